#!/usr/bin/env node
// Bundles the web app (web/src/main.ts + its CSS) with esbuild into dist/web/:
// hashed, minified ESM chunks in dist/web/assets/ (maplibre-gl in its own lazily loaded chunk),
// MapLibre's worker beside them, index.html pointing at the entry, a .gz copy of every asset,
// and dist/web/manifest.json listing what the first load of `/` fetches with its gzipped size.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'web');
const ASSETS = join(OUT, 'assets');
const watchless = process.argv.includes('--dev') ? { minify: false } : { minify: true };

await rm(OUT, { recursive: true, force: true });
await mkdir(ASSETS, { recursive: true });

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { app: 'web/src/main.ts', style: 'web/src/styles.css' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  outdir: ASSETS,
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  sourcemap: 'linked',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
  ...watchless,
});

// MapLibre loads its worker from `maplibre-gl-worker.mjs` beside the module; the page sets
// the URL explicitly (maplibregl.setWorkerUrl) to /assets/maplibre-gl-worker.mjs.
await copyFile(
  join(ROOT, 'node_modules', 'maplibre-gl', 'dist', 'maplibre-gl-worker.mjs'),
  join(ASSETS, 'maplibre-gl-worker.mjs'),
);

const outputs = Object.entries(result.metafile.outputs);
const entry = (name) => {
  const found = outputs.find(
    ([p, o]) => o.entryPoint && basename(p).startsWith(`${name}-`) && !p.endsWith('.map'),
  );
  if (!found) throw new Error(`build-web: no output for entry ${name}`);
  return relative(OUT, join(ROOT, found[0])).split('\\').join('/');
};
const appJs = entry('app');
const css = outputs
  .map(([p]) => p)
  .filter((p) => p.endsWith('.css') && !p.endsWith('.map'))
  .map((p) => relative(OUT, join(ROOT, p)).split('\\').join('/'));

const template = await readFile(join(ROOT, 'web', 'index.html'), 'utf8');
const html = template
  .replace('<!-- styles -->', css.map((c) => `<link rel="stylesheet" href="/${c}">`).join('\n    '))
  .replace('<!-- scripts -->', `<script type="module" src="/${appJs}"></script>`);
await writeFile(join(OUT, 'index.html'), html);

// gzip every text asset once, at build time (the server sends the .gz when the client accepts it)
const sizes = {};
const files = [
  ...outputs.map(([p]) => join(ROOT, p)),
  join(ASSETS, 'maplibre-gl-worker.mjs'),
  join(OUT, 'index.html'),
];
for (const f of files) {
  if (f.endsWith('.map')) continue;
  const gz = gzipSync(await readFile(f), { level: 9 });
  await writeFile(`${f}.gz`, gz);
  sizes[relative(OUT, f).split('\\').join('/')] = gz.length;
}

// what the map page `/` loads: the entry, its static imports, the chunk of the map, the CSS, the worker
const jsOf = (p) => relative(OUT, join(ROOT, p)).split('\\').join('/');
const closure = new Set();
const visit = (p) => {
  if (closure.has(p)) return;
  closure.add(p);
  for (const imp of result.metafile.outputs[p]?.imports ?? [])
    if (imp.kind === 'import-statement') visit(imp.path);
};
const appKey = outputs.find(([p]) => jsOf(p) === appJs)[0];
visit(appKey);
// the map page is a lazy chunk of the entry: `/` imports it at once
for (const imp of result.metafile.outputs[appKey].imports)
  if (imp.kind === 'dynamic-import' && basename(imp.path).startsWith('map-page-')) visit(imp.path);
const firstLoad = [...closure].map(jsOf).concat(['assets/maplibre-gl-worker.mjs']);
const jsGz = firstLoad.reduce((n, f) => n + (sizes[f] ?? 0), 0);
const cssGz = css.reduce((n, f) => n + (sizes[f] ?? 0), 0);
await writeFile(
  join(OUT, 'manifest.json'),
  JSON.stringify(
    {
      entry: appJs,
      css,
      first_load_js: firstLoad,
      first_load_js_gzip_bytes: jsGz,
      css_gzip_bytes: cssGz,
      gzip_bytes: sizes,
    },
    null,
    2,
  ),
);
console.log(
  `build-web: dist/web (${appJs}); first load of / = ${(jsGz / 1024).toFixed(0)} KB of JS gzipped (${firstLoad.length} files) + ${(cssGz / 1024).toFixed(0)} KB CSS`,
);
