/**
 * Regenerates src/ingest/catalog/bdnb-tables.ts from the BDNB API schema (58 tables, 999 columns,
 * ../shared/data/schema/bdnb_schema_from_api_client_2024.json) plus the export tables it lacks
 * (src/ingest/catalog/supplement-tables.ts), applying the type rules the real CSV export needs.
 *   npx tsx scripts/gen-catalog.ts [path/to/schema.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { SUPPLEMENT_TABLES } from '../src/ingest/catalog/supplement-tables.js';
import type { ColumnDef, ColumnType, GeometryKind, TableDef } from '../src/ingest/catalog/types.js';

const schemaPath = process.argv[2] ?? '../shared/data/schema/bdnb_schema_from_api_client_2024.json';
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<
  string,
  { columns: { column: string; type: string; pk: boolean; description: string }[] }
>;

/** API-only tables and views: not part of a département CSV export. */
const NOT_EXPORTED = new Set([
  'autocompletion_entites_texte',
  'batiment_groupe_complet',
  'batiment_groupe_json_stats',
  'colonne',
  'colonne_souscription',
  'table',
  'info',
]);

const KEYS: Record<string, string[]> = {
  batiment_construction: ['batiment_construction_id'],
  rel_batiment_construction_adresse: ['batiment_construction_id', 'cle_interop_adr'],
  rel_batiment_groupe_adresse: ['batiment_groupe_id', 'cle_interop_adr'],
  rel_batiment_groupe_parcelle: ['batiment_groupe_id', 'parcelle_id'],
  rel_batiment_groupe_merimee: ['batiment_groupe_id', 'merimee_ref'],
  rel_batiment_groupe_qpv: ['batiment_groupe_id', 'qpv_code_qp'],
  rel_batiment_groupe_rnc: ['batiment_groupe_id', 'numero_immat'],
  rel_batiment_groupe_proprietaire_siren: ['siren'],
  rel_batiment_groupe_proprietaire_siren_open: ['batiment_groupe_id', 'siren'],
  rel_batiment_groupe_siren_complet: ['batiment_groupe_id', 'siren'],
  rel_batiment_groupe_siret_complet: ['batiment_groupe_id', 'siret'],
  batiment_groupe_delimitation_enveloppe: ['batiment_groupe_id'],
  batiment_groupe_wall_dict: ['batiment_groupe_id'],
  batiment_groupe_indicateur_reseau_chaud_froid: ['batiment_groupe_id'],
  batiment_groupe_simulations_valeur_verte: ['batiment_groupe_id'],
  iris_contexte_geographique: ['code_iris'],
  iris_simulations_valeur_verte: ['batiment_groupe_id'],
  referentiel_administratif_iris: ['code_iris'],
  referentiel_administratif_epci: ['code_epci_insee'],
  referentiel_administratif_region: ['code_region_insee'],
  referentiel_administratif_departement: ['code_departement_insee'],
  ancqpv: ['code_qp'],
};

const BOOL_NAMES = new Set(['fictive_geom_cstr']);

function geometryKind(table: string, column: string): GeometryKind {
  if (table === 'adresse' || column === 'geom_adresse') return 'Point';
  if (/^rel_/.test(table)) return 'Geometry';
  return 'MultiPolygon';
}

function columnType(table: string, name: string, pyType: string): Pick<ColumnDef, 'type' | 'geometry'> {
  if (/^geom/.test(name) && !/wgs84/.test(name))
    return { type: 'geometry', geometry: geometryKind(table, name) };
  if (pyType.startsWith('List') || pyType === 'object') return { type: 'jsonb' };
  if (pyType === 'bool' || BOOL_NAMES.has(name)) return { type: 'boolean' };
  if (pyType === 'date' || /^date_/.test(name)) return { type: 'date' };
  if (pyType === 'float') return { type: 'double' };
  if (/^(s_geom|surface_|hauteur|altitude)/.test(name)) return { type: 'double' };
  if (pyType === 'int') {
    const big = /valeur|prix|montant|volume|conso/.test(name);
    return { type: (big ? 'bigint' : 'integer') as ColumnType };
  }
  return { type: 'text' };
}

function refsFor(table: string, columns: ColumnDef[]): TableDef['refs'] {
  const targets: [string, string][] = [
    ['batiment_groupe_id', 'batiment_groupe'],
    ['batiment_construction_id', 'batiment_construction'],
    ['cle_interop_adr', 'adresse'],
    ['parcelle_id', 'parcelle'],
  ];
  return targets
    .filter(([col, t]) => t !== table && columns.some((c) => c.name === col))
    .filter(([, t]) => !/^(iris_|referentiel_|ancqpv)/.test(table) || t === 'batiment_groupe')
    .map(([col, t]) => ({ column: col, table: t, refColumn: col }));
}

const tables: TableDef[] = [];
for (const [name, def] of Object.entries(schema)) {
  if (NOT_EXPORTED.has(name)) continue;
  const columns: ColumnDef[] = def.columns.map((c) => ({
    name: c.column,
    ...columnType(name, c.column, c.type),
    description: c.description.replace(/\s+/g, ' ').trim(),
  }));
  const pk = def.columns.filter((c) => c.pk).map((c) => c.column);
  const key = KEYS[name] ?? pk;
  for (const k of key)
    if (!columns.some((c) => c.name === k)) throw new Error(`${name}: key column ${k} does not exist`);
  tables.push({
    name,
    description: '',
    columns,
    key,
    refs: refsFor(name, columns),
    origin: 'bdnb-api-schema-2024',
  });
}
for (const t of SUPPLEMENT_TABLES) {
  if (tables.some((x) => x.name === t.name))
    throw new Error(`supplement table ${t.name} already in the schema`);
  tables.push(t);
}
tables.sort((a, b) => a.name.localeCompare(b.name));

const out = `// GENERATED by scripts/gen-catalog.ts from the BDNB API schema (2024) and supplement-tables.ts.
// Do not edit by hand: change the script or the supplement, then run \`npx tsx scripts/gen-catalog.ts\`.
import type { TableDef } from './types.js';

export const BDNB_TABLES: TableDef[] = ${JSON.stringify(tables, null, 1)};
`;
writeFileSync('src/ingest/catalog/bdnb-tables.ts', out);
console.log(`${tables.length} tables, ${tables.reduce((n, t) => n + t.columns.length, 0)} columns`);
