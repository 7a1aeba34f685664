import type { ColumnDef, TableDef } from './types.js';

/** Schema holding the BDNB tables under their export names. */
export const BDNB_SCHEMA = 'bdnb';
/** Partition key of every BDNB table (also the Citus distribution column, see ARCHITECTURE.md). */
export const DEPT_COLUMN = 'code_departement_insee';
/** Columns the schema does not know land here, never dropped. */
export const EXTRA_COLUMN = 'extra';

const SQL_TYPES: Record<ColumnDef['type'], string> = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  double: 'double precision',
  boolean: 'boolean',
  date: 'date',
  jsonb: 'jsonb',
  geometry: 'geometry',
};

export function q(ident: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(ident)) throw new Error(`unsafe SQL identifier "${ident}"`);
  return `"${ident}"`;
}

export function sqlType(c: ColumnDef): string {
  if (c.type !== 'geometry') return SQL_TYPES[c.type];
  return `geometry(${c.geometry ?? 'Geometry'}, 2154)`;
}

/** Every column of the table as stored: the catalogue's, the département key, then `extra`. */
export function storedColumns(t: TableDef): ColumnDef[] {
  const cols = [...t.columns];
  if (!cols.some((c) => c.name === DEPT_COLUMN)) cols.push({ name: DEPT_COLUMN, type: 'text' });
  cols.push({ name: EXTRA_COLUMN, type: 'jsonb' });
  return cols;
}

export interface IndexDef {
  suffix: string;
  /** `(columns)` or `USING gist (col)` */
  body: string;
  unique: boolean;
}

/** The columns with an index of their own, in a table that has them (besides its key). */
const INDEXED_COLUMNS = [
  'batiment_groupe_id',
  'batiment_construction_id',
  'cle_interop_adr',
  'parcelle_id',
  'code_commune_insee',
];

/** Indexes of a table; the same on the partitioned parent and on each partition before it is attached. */
export function indexDefs(t: TableDef): IndexDef[] {
  const out: IndexDef[] = [];
  if (t.key.length) {
    out.push({
      suffix: 'pkey',
      body: `(${[...new Set([...t.key, DEPT_COLUMN])].map(q).join(', ')})`,
      unique: true,
    });
  }
  const cols = new Set(t.columns.map((c) => c.name));
  for (const c of t.columns)
    if (c.type === 'geometry')
      out.push({ suffix: `${c.name}_gist`, body: `USING gist (${q(c.name)})`, unique: false });
  for (const c of INDEXED_COLUMNS) {
    if (cols.has(c) && t.key[0] !== c) out.push({ suffix: `${c}_idx`, body: `(${q(c)})`, unique: false });
  }
  return out;
}

/**
 * The columns of its btree indexes: its key, the département, the ids and the commune — what
 * queries join and filter it by. The partitioned parent keeps statistics on these
 * (load-table-file.ts; migration 0019 for the tables imported before).
 */
export function joinColumns(t: TableDef): string[] {
  const cols = new Set(t.columns.map((c) => c.name));
  return [...new Set([...t.key, DEPT_COLUMN, ...INDEXED_COLUMNS.filter((c) => cols.has(c))])];
}

/** A PostgreSQL identifier of at most 63 bytes: long names keep a readable head and a hash tail. */
export function ident63(name: string): string {
  if (name.length <= 63) return name;
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  return `${name.slice(0, 54)}_${h.toString(16).padStart(8, '0')}`;
}

export function qualified(table: string): string {
  return `${BDNB_SCHEMA}.${q(table)}`;
}

/** The partitioned parent table and its indexes. */
export function parentDdl(t: TableDef): string {
  const cols = storedColumns(t)
    .map((c) => `  ${q(c.name)} ${sqlType(c)}${c.name === DEPT_COLUMN ? ' NOT NULL' : ''}`)
    .join(',\n');
  const lines = [`CREATE TABLE ${qualified(t.name)} (\n${cols}\n) PARTITION BY LIST (${q(DEPT_COLUMN)});`];
  for (const ix of indexDefs(t)) {
    if (ix.suffix === 'pkey') {
      lines.push(
        `ALTER TABLE ${qualified(t.name)} ADD CONSTRAINT ${q(ident63(`${t.name}_pkey`))} PRIMARY KEY ${ix.body};`,
      );
    } else {
      lines.push(`CREATE INDEX ${q(ident63(`${t.name}_${ix.suffix}`))} ON ${qualified(t.name)} ${ix.body};`);
    }
  }
  return lines.join('\n');
}
