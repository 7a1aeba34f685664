/**
 * Benchmarks: `npm run bench -- NAME [options]`. Each prints the machine, its parameters and
 * medians/totals, and writes a JSON record under bench/out/. Record results in BENCHMARKS.md.
 */
const NAME = process.argv[2];
const BENCHES: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {
  import: () => import('./import-bench.js'),
  lifecycle: () => import('./lifecycle-bench.js'),
  api: () => import('./api-bench.js'),
  bulk: () => import('./bulk-bench.js'),
  indicators: () => import('./indicators-bench.js'),
  tiles: () => import('./tiles-bench.js'),
  load: () => import('./load-bench.js'),
  scale: () => import('./scale-bench.js'),
};

if (!NAME || !BENCHES[NAME]) {
  console.error(`usage: npm run bench -- ${Object.keys(BENCHES).join('|')} [options]`);
  process.exit(2);
}
await (await BENCHES[NAME]()).run(process.argv.slice(3));
