/**
 * A map worker: parses CSV text batches and maps them to COPY lines off the main thread, so an
 * import uses every core (the main thread reads the file and feeds the database).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BDNB_TABLES } from './catalog/bdnb-tables.js';
import { CsvParser, type CsvRecord } from './csv/csv-parser.js';
import { mapBatch } from './map-batch.js';
import { RowMapper } from './row-mapper.js';
import type { CsvtType } from './values.js';

export interface MapWorkerInit {
  table: string;
  header: string[];
  separator: string;
  defaultDept: string | null;
  csvt: CsvtType[] | undefined;
}

export interface MapWorkerJob {
  id: number;
  text: string;
  firstLine: number;
}

const init = workerData as MapWorkerInit;
const table = BDNB_TABLES.find((t) => t.name === init.table);
if (!table) throw new Error(`map worker: unknown table ${init.table}`);
const mapper = new RowMapper(table, init.header, { defaultDept: init.defaultDept, csvt: init.csvt });

parentPort!.on('message', (job: MapWorkerJob) => {
  const parser = new CsvParser(init.separator, init.header.length, job.firstLine);
  const records: CsvRecord[] = [];
  parser.push(job.text, records);
  parser.end(records);
  const out = mapBatch(mapper, records);
  parentPort!.postMessage({ id: job.id, ...out }, [
    out.ends.buffer as ArrayBuffer,
    out.lines.buffer as ArrayBuffer,
    out.hashes.buffer as ArrayBuffer,
  ]);
});
