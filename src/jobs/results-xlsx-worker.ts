/**
 * Worker thread of `LiveResultsXlsx` (live-results-xlsx.ts): writes a job's results workbook from
 * the body of each chunk as the job commits it, so the XLSX is ready when the job ends. Messages
 * in: `rows` (a chunk's body as UTF-8 bytes, bulk-results.ts `resultChunk`), `close`. Out: `ack` after each
 * `rows`, `closed`, or `error`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ResultsWorkbook, rowsOfBody } from './bulk-results.js';

export interface ResultsWorkerInit {
  path: string;
  header: string[];
}
/** `rows`: a chunk's body in UTF-8 */
export type ResultsWorkerIn = { kind: 'rows'; body: Uint8Array } | { kind: 'close' };
export type ResultsWorkerOut = { kind: 'ack' } | { kind: 'closed' } | { kind: 'error'; message: string };

const port = parentPort!;
const init = workerData as ResultsWorkerInit;
const send = (m: ResultsWorkerOut) => port.postMessage(m);
let failed = false;
const fail = (err: unknown) => {
  if (failed) return;
  failed = true;
  send({ kind: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
};
let book: ResultsWorkbook | null = null;
// messages are handled one after the other, in order; after a failure they are dropped
let queue: Promise<void> = ResultsWorkbook.create(init.path, init.header).then((b) => {
  book = b;
}, fail);

async function handle(m: ResultsWorkerIn): Promise<void> {
  if (failed || !book) return;
  if (m.kind === 'rows') {
    await book.add(
      rowsOfBody(Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength).toString('utf8')),
    );
    send({ kind: 'ack' });
  } else {
    await book.close();
    send({ kind: 'closed' });
  }
}

port.on('message', (m: ResultsWorkerIn) => {
  queue = queue.then(() => handle(m)).catch(fail);
});
