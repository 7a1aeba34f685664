/** The column types the BDNB tables use once in the database (PostgreSQL names in `sqlType`). */
export type ColumnType = 'text' | 'integer' | 'bigint' | 'double' | 'boolean' | 'date' | 'jsonb' | 'geometry';

export type GeometryKind = 'MultiPolygon' | 'Point' | 'LineString' | 'MultiLineString' | 'Geometry';

export interface ColumnDef {
  name: string;
  type: ColumnType;
  /** For geometry columns: the kind stored (EPSG:2154). */
  geometry?: GeometryKind;
  description?: string;
}

export interface RefDef {
  column: string;
  table: string;
  refColumn: string;
}

export interface TableDef {
  name: string;
  description: string;
  columns: ColumnDef[];
  /** Natural key; rows sharing it are duplicates (the first one is kept). Empty: no key. */
  key: string[];
  /** References checked after import (a missing target is a warning, never a reject). */
  refs: RefDef[];
  /** Where the column list comes from. */
  origin: 'bdnb-api-schema-2024' | 'bdnb-doc';
}
