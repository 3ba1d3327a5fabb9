#!/usr/bin/env node
// Entry point of the `trainboard` CLI. Runs the TypeScript sources through tsx so that a clean
// checkout needs no build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
