import { defineConfig } from 'vitest/config';
// Some tests spawn bash to prove quoting; under a loaded 2-core CI machine they need more than vitest's 5 s default.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], testTimeout: 30_000 } });
