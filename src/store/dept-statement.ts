import { isDeptCode } from '../ingest/dept.js';
import type { Literal } from './copy-text.js';

const cache = new Map<string, string>();

/**
 * A repeated lookup whose `$1` is the département, bound to that département: the code becomes a
 * literal, the other parameters move down one ($2 → $1 …), and the statement gets a name of its
 * own (`name_dept`, lowercase). Spread into `Store.prepared`.
 *
 * Why: a prepared statement planned once (generic plan) with the département as a parameter
 * prunes the other départements' partitions only at executor start, after locking every
 * partition of every table it names — 200 ms a card with two départements loaded, growing with
 * each one (scale bench). With the département as a literal the planner prunes while planning,
 * once per session and département, and each call skips planning (~3 ms of a card's ~40
 * branches on PostgreSQL). The code comes from the database, but it is checked all the same
 * before it is written into SQL.
 */
export function inDept(
  name: string,
  sql: string,
  params: readonly [string, ...Literal[]],
): [name: string, sql: string, params: Literal[]] {
  const dept = params[0];
  if (!isDeptCode(dept)) throw new Error(`inDept(${name}): not a département code: ${JSON.stringify(dept)}`);
  const key = `${name}_${dept.toLowerCase()}`;
  let text = cache.get(key);
  if (text === undefined) {
    text = sql.replace(/\$(\d+)(?!\d)/g, (_m, n: string) => (n === '1' ? `'${dept}'` : `$${Number(n) - 1}`));
    cache.set(key, text);
  }
  return [key, text, params.slice(1)];
}
