import { copyFile, readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { BULK_INPUT_MAX_BYTES, BulkInputError, bulkOptions } from '../jobs/bulk-input.js';
import { resultCounts, writeResultsCsvFile, writeResultsXlsx } from '../jobs/bulk-results.js';
import { runEligibilityJob } from '../jobs/eligibility-job.js';
import {
  claimJob,
  createEligibilityJob,
  jobInfo,
  releaseIfWorkerDead,
  releaseJob,
  unfinishedJobFor,
} from '../jobs/job-store.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import { DB_OPTIONS, parse } from './main.js';
import { Progress } from './progress.js';
import { writeAside } from '../util/write-aside.js';

const HELP = `usage: batid eligibility IN.csv --out OUT.xlsx|OUT.csv [--address-column NAME|N]
                         [--lon-column NAME|N --lat-column NAME|N]
  Heat-network eligibility of every row of a CSV/TSV file (≤ 50 MB): one address column, found
  by its name (adresse, address, rue…) or given, or lon/lat columns. Separator, header and
  encoding are detected. Every input row is in the output, in order, with the FCU columns, the
  BatID and the heating of the building; rows that could not be tested say why. The job is kept
  in the database: if it is interrupted, the same command resumes it.
`;

/** `batid eligibility IN --out OUT`: the bulk test, same engine as POST /v1/eligibility/bulk. */
export async function runEligibility(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...DB_OPTIONS,
    out: { type: 'string', short: 'o' },
    'address-column': { type: 'string' },
    'lon-column': { type: 'string' },
    'lat-column': { type: 'string' },
  });
  if (values.help || positionals.length !== 1 || !values.out) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const [inPath] = positionals as [string];
  const out = values.out;
  const format = extname(out).toLowerCase();
  if (format !== '.csv' && format !== '.xlsx')
    throw new Error(`--out must end in .csv or .xlsx, got "${out}"`);
  const size = (await stat(inPath)).size;
  if (size > BULK_INPUT_MAX_BYTES)
    throw new Error(`${inPath}: ${(size / 1048576).toFixed(1)} MB, the bulk test takes at most 50 MB`);
  const bytes = await readFile(inPath);
  const options = bulkOptions({
    address: values['address-column'],
    lon: values['lon-column'],
    lat: values['lat-column'],
  });
  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  try {
    const t0 = Date.now();
    const unfinished = await unfinishedJobFor(store, bytes, options);
    if (unfinished) {
      process.stderr.write(`resuming job ${unfinished}\n`);
      // a run of this command killed on this machine: no need to wait for its heartbeat to go stale
      await releaseIfWorkerDead(store, unfinished);
    }
    const id = unfinished ?? (await createEligibilityJob(store, { name: basename(inPath), bytes, options }));
    if (!(await claimJob(store, id)))
      throw new Error(
        `job ${id} is being run by another process (or one that stopped less than a minute ago)`,
      );
    const progress = new Progress(process.stderr, undefined, 'rows');
    // Ctrl-C stops after the current chunk and gives the job back: the same command resumes it
    let interrupted = false;
    const onSigint = () => (interrupted = true);
    process.once('SIGINT', onSigint);
    let info;
    try {
      info = await runEligibilityJob(store, id, {
        onProgress: (done, total) => progress.update('eligibility', done, total),
        shouldStop: () => interrupted,
        // the workbook is written while the job runs; this command writes it to OUT, not to the database
        liveXlsx: format !== '.csv',
        storeXlsx: false,
        // the file is complete before the job is done: written aside, then renamed into place
        beforeFinish: (xlsx) =>
          writeAside(out, (part) =>
            format === '.csv'
              ? writeResultsCsvFile(store, id, part)
              : xlsx
                ? copyFile(xlsx, part)
                : writeResultsXlsx(store, id, part),
          ),
      });
    } catch (err) {
      await releaseJob(store, id);
      throw err;
    } finally {
      process.off('SIGINT', onSigint);
      progress.done();
    }
    if (info.status === 'pending') {
      process.stderr.write(
        `interrupted at ${info.rows_done}/${info.rows_total} rows: run the same command again to resume job ${id}\n`,
      );
      return 130;
    }
    if (info.status === 'failed') {
      process.stderr.write(`batid eligibility: ${inPath}: ${info.error}\n`);
      return 1;
    }
    const s = await resultCounts(store, id);
    const reading = (await jobInfo(store, id))!.reading as { mode: string; columns: string[] } | null;
    process.stdout.write(
      `${info.rows_total} rows (${reading?.mode === 'lonlat' ? 'lon/lat' : 'address'} from ${reading?.columns.join(' + ')}): ` +
        `${s.tested} tested, ${s.eligible} eligible, ${s.not_geocoded} addresses not found, ${s.invalid} invalid rows → ${out} ` +
        `(job ${id}, ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof BulkInputError) {
      process.stderr.write(`batid eligibility: ${inPath}: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
  }
}
