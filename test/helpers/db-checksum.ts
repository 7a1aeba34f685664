import type { Store } from '../../src/store/store.js';

/** One md5 per BDNB table over all its rows in a stable order: equal checksums, equal contents. */
export async function bdnbChecksums(store: Store): Promise<Record<string, string>> {
  const tables = await store.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'bdnb' AND c.relkind = 'p' ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const r = await store.query<{ n: number; h: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS h FROM bdnb."${name}" x`,
    );
    if (r[0]!.n > 0) out[name] = `${r[0]!.n}:${r[0]!.h}`;
  }
  return out;
}
