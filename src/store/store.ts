/** The one port every service talks to: a PostGIS database, embedded (PGlite) or a server (pg). */
export type Row = Record<string, unknown>;

export interface Queryable {
  /** One parameterised statement. int8/count come back as numbers, dates as 'YYYY-MM-DD' strings. */
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements without parameters (DDL, migrations). */
  exec(sql: string): Promise<void>;
}

export interface Store extends Queryable {
  readonly kind: 'embedded' | 'postgres';
  /** Where the data lives, for messages: a directory or a URL without its password. */
  readonly location: string;
  /**
   * Streams PostgreSQL COPY text-format data (tab-separated, `\N` for NULL, lines ending in `\n`)
   * into `table (columns)`, as text or UTF-8 bytes. Each chunk must end on a line boundary.
   */
  copyFrom(
    table: string,
    columns: readonly string[],
    chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  ): Promise<void>;
  /**
   * A big read (tens of thousands of rows): `COPY (sql) TO`, `$n` parameters written as literals,
   * every field as text (null for NULL) in column order. ~5× faster than query() on PGlite.
   */
  copyOut<T extends (string | null)[] = (string | null)[]>(
    sql: string,
    params?: readonly (string | number | boolean | null)[],
  ): Promise<T[]>;
  /**
   * A read the HTTP API runs again and again (card, address → building, point → building): a
   * prepared statement, planned once per session instead of at every call. `name` is unique per
   * `sql`; params are text, numbers, booleans or null.
   */
  prepared<T = Row>(
    name: string,
    sql: string,
    params: readonly (string | number | boolean | null)[],
  ): Promise<T[]>;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
