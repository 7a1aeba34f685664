/**
 * Worker thread of `LiveResultsXlsx` (live-results-xlsx.ts): writes a job's results workbook from
 * the body of each chunk as the job commits it, so the XLSX is ready when the job ends. Messages
 * in: `open` (a workbook's file and header), `rows` (a chunk's body as UTF-8 bytes, bulk-results.ts
 * `resultChunk`), `close`. Out: `ack` after each `rows`, `closed`, or `error`. Once closed, it
 * waits for the next `open`: one worker writes one job's workbook after another, its code
 * optimised by V8 after the first, which the server's warm-up writes (warm-up.ts). A worker that
 * has sent `error` is not used again (terminated).
 */
import { parentPort } from 'node:worker_threads';
import { ResultsWorkbook, rowsOfBody } from './bulk-results.js';

export type ResultsWorkerIn =
  | { kind: 'open'; path: string; header: string[] }
  /** `rows`: a chunk's body in UTF-8 */
  | { kind: 'rows'; body: Uint8Array }
  | { kind: 'close' };
export type ResultsWorkerOut = { kind: 'ack' } | { kind: 'closed' } | { kind: 'error'; message: string };

const port = parentPort!;
const send = (m: ResultsWorkerOut) => port.postMessage(m);
let failed = false;
const fail = (err: unknown) => {
  if (failed) return;
  failed = true;
  send({ kind: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
};
let book: ResultsWorkbook | null = null;

async function handle(m: ResultsWorkerIn): Promise<void> {
  if (failed) return;
  if (m.kind === 'open') {
    book = await ResultsWorkbook.create(m.path, m.header);
    return;
  }
  if (!book) throw new Error(`results workbook: "${m.kind}" before "open"`);
  if (m.kind === 'rows') {
    await book.add(
      rowsOfBody(Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength).toString('utf8')),
    );
    send({ kind: 'ack' });
  } else {
    await book.close();
    book = null;
    send({ kind: 'closed' });
  }
}

// messages are handled one after the other, in order; after a failure they are dropped
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: ResultsWorkerIn) => {
  queue = queue.then(() => handle(m)).catch(fail);
});
