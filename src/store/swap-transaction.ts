import type { Queryable, Store } from './store.js';

/** How long a swap waits for the parents' locks on a server before it lets the queue through and tries again. */
const SWAP_LOCK_TIMEOUT_MS = 200;
/** Tries under that timeout; the last one waits as long as it takes. */
const SWAP_TRIES = 40;

/**
 * The swap's transaction. Detaching a partition takes ACCESS EXCLUSIVE on the parent (held until
 * commit, a few ms: the transaction only changes the catalogue). Waiting for it behind a long
 * read of the parent would queue every new reader of every département behind the swap, so on a
 * server it waits at most SWAP_LOCK_TIMEOUT_MS (`lock_timeout`), rolls back and tries again a
 * little later. PGlite is one session: nothing to wait for.
 */
export async function swapTransaction(store: Store, fn: (tx: Queryable) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const bounded = store.kind === 'postgres' && attempt < SWAP_TRIES;
    try {
      await store.transaction(async (tx) => {
        if (bounded) await tx.exec(`SET LOCAL lock_timeout = '${SWAP_LOCK_TIMEOUT_MS}ms'`);
        await fn(tx);
      });
      return;
    } catch (err) {
      // 55P03 lock_not_available: the transaction was rolled back whole, the __new tables are intact
      if (!bounded || (err as { code?: unknown }).code !== '55P03') throw err;
      await new Promise((r) => setTimeout(r, Math.min(2000, 25 * 2 ** attempt) * (0.5 + Math.random())));
    }
  }
}
