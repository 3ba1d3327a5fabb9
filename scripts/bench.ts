// `npm run bench`: runs every benchmark module in scripts/bench/ (each exports `run()` and prints its own
// figures and ratios, measured in this one run). Benchmarks are not tests: they report, they do not assert.
// `npm run bench -- parser` runs only the modules whose name contains "parser". Modules in `onlyWhenNamed` (the
// hostile-client replay writes ~250 MB and loads the server on purpose; `operate` runs 30 minutes and crashes dev-cluster
// nodes) run only when a filter names them.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), 'bench');
// Options (`--minutes 5`) and their numeric values belong to the modules, which read process.argv themselves.
const filters = process.argv.slice(2).filter((a) => /^[a-z]/i.test(a));
const order = ['parser', 'import'];
const onlyWhenNamed = ['abuse', 'operate'];
/** Modules a filter also selects by a group's name: `npm run bench -- dashboard` includes the many-viewers figure. */
const groups: Record<string, string[]> = { dashboard: ['seriesViewers'] };
const modules = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) =>
    filters.length === 0
      ? !onlyWhenNamed.includes(name)
      : filters.some((f) => name.includes(f) || groups[f]?.includes(name)),
  )
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

function rank(name: string): number {
  const i = order.indexOf(name);
  return i === -1 ? order.length : i;
}

for (const name of modules) {
  const mod = (await import(pathToFileURL(join(benchDir, `${name}.ts`)).href)) as { run?: () => Promise<void> };
  if (typeof mod.run !== 'function') continue; // helpers such as the synthetic log generator
  console.log(`\n=== bench: ${name}`);
  await mod.run();
}
