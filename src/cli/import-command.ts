import { writeFile } from 'node:fs/promises';
import { BDNB_TABLES } from '../ingest/catalog/bdnb-tables.js';
import { batidLine, importBdnb, cardsLine, renovationLine, summaryLine } from '../ingest/import-dir.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import { DB_OPTIONS, USAGE, parse } from './main.js';
import { Progress } from './progress.js';

export async function runImport(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...DB_OPTIONS,
    millesime: { type: 'string' },
    rejects: { type: 'string' },
    dept: { type: 'string' },
    table: { type: 'string', multiple: true },
    report: { type: 'string' },
  });
  if (values.help || !positionals.length) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const tableOf: Record<string, string> = {};
  for (const t of values.table ?? []) {
    const [name, file] = t.split('=');
    if (!name || !file) throw new Error(`--table expects NAME=FILE, got "${t}"`);
    tableOf[file] = name;
  }
  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  const progress = new Progress();
  const t0 = Date.now();
  try {
    const summary = await importBdnb(store, BDNB_TABLES, {
      paths: positionals,
      millesime: values.millesime,
      rejectsPath: values.rejects,
      dept: values.dept,
      tableOf,
      onProgress: (label, done, total) => progress.update(label, done, total),
      onFileDone: (r) => {
        progress.done();
        process.stdout.write(`${summaryLine(r)}\n`);
        if (process.env.BATID_TIMINGS) process.stdout.write(`  timings: ${JSON.stringify(r.timings)}\n`);
      },
      onNote: (m) => process.stderr.write(`${m}\n`),
      onBatids: (s) => process.stdout.write(`${batidLine(s)}\n`),
      onRenovations: (s) => process.stdout.write(`${renovationLine(s)}\n`),
      onCards: (s) => process.stdout.write(`${cardsLine(s)}\n`),
    });
    for (const u of summary.unknownFiles) process.stdout.write(`${u.file}: skipped, ${u.reason}\n`);
    const rows = summary.files.reduce((n, f) => n + f.imported, 0);
    const rejected = summary.files.reduce((n, f) => n + f.rejected, 0);
    process.stdout.write(
      `done in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${summary.files.length} files, ${rows} rows imported, ${rejected} rejected` +
        ` (millésime ${summary.millesime ?? 'unknown'}, ${store.kind} database ${store.location})\n`,
    );
    if (summary.rejectsPath)
      process.stdout.write(`rejected rows, duplicates and warnings: ${summary.rejectsPath}\n`);
    if (values.report) {
      const report = {
        backend: store.kind,
        seconds: (Date.now() - t0) / 1000,
        maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
        ...summary,
      };
      await writeFile(values.report, JSON.stringify(report, null, 2));
    }
    return 0;
  } finally {
    await store.close();
  }
}
