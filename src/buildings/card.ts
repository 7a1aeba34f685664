import { BDNB_TABLES } from '../ingest/catalog/bdnb-tables.js';
import { linkedIds, type BuildingIds } from '../ids/linked-ids.js';
import type { Store } from '../store/store.js';
import { HIDDEN_COLUMNS, SECTIONS, type SectionDef } from './card-sections.js';

export interface CardSection {
  title: string;
  source: string[];
  millesime: string | null;
  licence: string;
  /** one-row tables: the row; several rows: `rows` */
  data?: Record<string, unknown>;
  rows?: Record<string, unknown>[];
}

export interface CardAddress {
  cle_interop_adr: string;
  label: string | null;
  lien_valide: boolean | null;
  lon: number | null;
  lat: number | null;
}

export interface Card {
  batid: string;
  status: string;
  code_departement_insee: string;
  ids: BuildingIds['ids'];
  addresses: CardAddress[];
  /** GeoJSON, WGS84 */
  geometry: unknown;
  footprint: Record<string, unknown>;
  sections: Record<string, CardSection>;
}

const GEOMETRY_COLUMNS = new Map(
  BDNB_TABLES.map((t) => [
    t.name,
    new Set(t.columns.filter((c) => c.type === 'geometry').map((c) => c.name)),
  ]),
);

/** Drops the linking keys, geometries, `extra` and empty values of a row. */
function clean(table: string, row: Record<string, unknown>): Record<string, unknown> {
  const geoms = GEOMETRY_COLUMNS.get(table);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === null || v === '' || HIDDEN_COLUMNS.has(k) || geoms?.has(k)) continue;
    out[k] = v;
  }
  return out;
}

function rowsSql(
  t: SectionDef['tables'][number],
  dept: string,
  bg: string,
  bc: string | null,
): [string, unknown[]] {
  const x = `bdnb."${t.table}"`;
  switch (t.via) {
    case 'parcelle':
      return [
        `SELECT to_jsonb(x) AS r FROM ${x} x
                JOIN bdnb.rel_parcelle_sitadel rs ON rs.code_departement_insee = x.code_departement_insee AND rs.numero_permis = x.numero_permis
                JOIN bdnb.rel_batiment_groupe_parcelle p ON p.code_departement_insee = rs.code_departement_insee AND p.parcelle_id = rs.parcelle_id
               WHERE p.code_departement_insee = $1 AND p.batiment_groupe_id = $2 ORDER BY 1`,
        [dept, bg],
      ];
    case 'bc':
      return [
        `SELECT to_jsonb(x) AS r FROM ${x} x WHERE x.code_departement_insee = $1 AND x.batiment_construction_id = $2`,
        [dept, bc],
      ];
    default:
      if (t.table === 'dpe_logement') {
        return [
          `SELECT to_jsonb(x) AS r FROM ${x} x
                  JOIN bdnb.rel_batiment_groupe_dpe_logement d ON d.code_departement_insee = x.code_departement_insee AND d.identifiant_dpe = x.identifiant_dpe
                 WHERE d.code_departement_insee = $1 AND d.batiment_groupe_id = $2 ORDER BY x.date_etablissement_dpe, x.identifiant_dpe`,
          [dept, bg],
        ];
      }
      return [
        `SELECT to_jsonb(x) AS r FROM ${x} x WHERE x.code_departement_insee = $1 AND x.batiment_groupe_id = $2`,
        [dept, bg],
      ];
  }
}

/**
 * Everything the database knows about one building, section by section, each with its source
 * table(s), millésime and licence; empty sections are absent. Every query filters on the
 * building's département first (one partition). Null when the BatID is unknown.
 */
export async function buildingCard(store: Store, batid: string): Promise<Card | null> {
  const b = (
    await store.query<{
      batid: string;
      status: string;
      dept: string;
      bg: string | null;
      bc: string | null;
      geometry: string | null;
      area: number | null;
    }>(
      `SELECT batid, status, code_departement_insee AS dept, batiment_groupe_id AS bg, batiment_construction_id AS bc,
              ST_AsGeoJSON(ST_Transform(geom, 4326), 7) AS geometry, round(ST_Area(geom)::numeric, 1)::float8 AS area
         FROM batid.building WHERE batid = $1`,
      [batid],
    )
  )[0];
  if (!b) return null;
  const ids = (await linkedIds(store, batid))?.ids ?? {};
  const card: Card = {
    batid: b.batid,
    status: b.status,
    code_departement_insee: b.dept,
    ids,
    addresses: [],
    geometry: b.geometry ? JSON.parse(b.geometry) : null,
    footprint: { surface_m2: b.area },
    sections: {},
  };
  if (b.status !== 'constructed' || !b.bg) return card;
  const versions = new Map(
    (
      await store.query<{ table_name: string; millesime: string | null }>(
        `SELECT table_name, millesime FROM batid.source_version WHERE code_departement_insee = $1`,
        [b.dept],
      )
    ).map((v) => [v.table_name, v.millesime]),
  );
  card.addresses = await store.query<CardAddress>(
    `SELECT a.cle_interop_adr, coalesce(a.libelle_adresse, concat_ws(' ', a.numero, a.rep, a.type_voie, a.nom_voie, a.code_postal, a.libelle_commune)) AS label,
            r.lien_valide, round(ST_X(ST_Transform(a.geom_adresse, 4326))::numeric, 7)::float8 AS lon,
            round(ST_Y(ST_Transform(a.geom_adresse, 4326))::numeric, 7)::float8 AS lat
       FROM bdnb.rel_batiment_groupe_adresse r
       JOIN bdnb.adresse a ON a.code_departement_insee = r.code_departement_insee AND a.cle_interop_adr = r.cle_interop_adr
      WHERE r.code_departement_insee = $1 AND r.batiment_groupe_id = $2
      ORDER BY r.lien_valide DESC NULLS LAST, a.cle_interop_adr`,
    [b.dept, b.bg],
  );
  const cstr = await store.query<{ r: Record<string, unknown> }>(
    `SELECT to_jsonb(x) AS r FROM bdnb.batiment_construction x WHERE x.code_departement_insee = $1 AND x.batiment_construction_id = $2`,
    [b.dept, b.bc],
  );
  if (cstr[0])
    Object.assign(card.footprint, clean('batiment_construction', cstr[0].r), {
      source: 'bdnb.batiment_construction',
      millesime: versions.get('batiment_construction') ?? null,
    });
  for (const s of SECTIONS) {
    const section: CardSection = { title: s.title, source: [], millesime: null, licence: s.licence };
    for (const t of s.tables) {
      const [sql, params] = rowsSql(t, b.dept, b.bg, b.bc);
      const rows = (await store.query<{ r: Record<string, unknown> }>(sql, params)).map((x) =>
        clean(t.table, x.r),
      );
      const useful = rows.filter((r) => Object.keys(r).length);
      if (!useful.length) continue;
      section.source.push(`bdnb.${t.table}`);
      section.millesime ??= versions.get(t.table) ?? null;
      if (t.many)
        (section.rows ??= []).push(
          ...useful.map((r) => (s.tables.length > 1 ? { source: t.table, ...r } : r)),
        );
      else section.data = { ...section.data, ...useful[0] };
    }
    if (section.source.length) card.sections[s.key] = section;
  }
  return card;
}
