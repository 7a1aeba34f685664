/**
 * The server's warm-up of the bulk jobs' code (`batid serve`, after the address index and the
 * heating cache): a bulk file made from the address index — addresses as written, some with a
 * typo, some with stray spaces, some garbage or empty — is read, geocoded, decided and made into
 * chunk bodies as a job does (eligibility-job.ts), and its workbook written by the worker the first
 * job then gets (live-results-xlsx.ts), nothing stored. V8 optimises that code then rather than
 * during the first job: a first 100,000-row job spent ~1 s of CPU in V8's
 * optimising compiler (perf, 2026-12-04: 14% of the process's samples, against 4% in the next
 * job), on the two cores the job needs.
 */
import { chunkCopy, resultChunk } from './bulk-results.js';
import { parseBulkInput } from './bulk-input.js';
import type { BulkRow } from './bulk-row.js';
import { evaluateRows, type BulkContext } from '../networks/bulk-eligibility.js';
import { LiveResultsXlsx } from './live-results-xlsx.js';
import { CHUNK_ROWS } from './eligibility-job.js';

/** Rows of the warm-up file (~0.5–1 s of one core). */
export const WARM_UP_ROWS = 20_000;

/** A row's text in the warm-up file: mostly as written, like the files users send. */
function variant(label: string, k: number): string {
  if (k % 200 === 199) return '';
  if (k % 50 === 7) {
    // garbage: three words of letters
    let seed = k * 2654435761;
    const letter = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return String.fromCharCode(97 + (seed % 26));
    };
    return [5, 4, 7].map((n) => Array.from({ length: n }, letter).join('')).join(' ');
  }
  if (k % 20 === 3) {
    // a typo: lower case, no accents, one letter dropped
    const plain = label.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    const at = 4 + (k % Math.max(1, plain.length - 8));
    return plain.slice(0, at) + plain.slice(at + 1);
  }
  if (k % 25 === 11) return `  ${label.replace(/ /g, '  ')} `;
  return label;
}

/**
 * Runs the bulk path on `rows` rows drawn from the address index (none without one), a chunk at
 * a time with the event loop served in between (the server answers meanwhile); how many rows.
 */
export async function warmUpBulk(ctx: BulkContext, rows = WARM_UP_ROWS): Promise<number> {
  const index = ctx.addresses;
  if (!index || !index.size) return 0;
  const lines = ['id;adresse'];
  let k = 0;
  for (const label of index.labelsSpread(rows)) {
    if (k >= rows) break;
    lines.push(`${k};"${variant(label, k).replace(/"/g, '""')}"`);
    k++;
  }
  const input = parseBulkInput(Buffer.from(lines.join('\n'), 'utf8'));
  input.countRows();
  // the workbook's worker is kept for the first job, its code optimised (live-results-xlsx.ts)
  const live = await LiveResultsXlsx.start(input.header ?? []);
  try {
    let chunk: BulkRow[] = [];
    let done = 0;
    const evaluate = async () => {
      const { body } = chunkCopy('warm-up', resultChunk(await evaluateRows(ctx, chunk, done)));
      await live.add(body);
      done += chunk.length;
      chunk = [];
      await new Promise((resolve) => setImmediate(resolve));
    };
    for (const row of input.rows) {
      chunk.push(row);
      if (chunk.length >= CHUNK_ROWS) await evaluate();
    }
    if (chunk.length) await evaluate();
    await live.finish(async () => undefined);
    return done;
  } finally {
    await live.abort();
  }
}
