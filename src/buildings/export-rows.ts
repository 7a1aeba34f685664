/**
 * The standing buildings of one département, page by page, for `batid export`: keyset
 * pagination on the BatID (a page starts after the last BatID of the previous one), so a
 * département is never held in memory and each page costs the same however deep. Every query
 * names the département as a literal, so the planner reads one partition of each BDNB table.
 */
import type { Store } from '../store/store.js';
import { DPE_SQL, groupAttributeJoins } from '../tiles/building-table.js';
import type { ExportRow } from './export-formats.js';

export const EXPORT_PAGE_SIZE = 5000;

/**
 * One page: the registry row, its group's commune, RNB id, first address (valid links first,
 * as on the card), and the attributes of the `buildings` tile layer with the same rules
 * (src/tiles/building-table.ts): label and heating from the group's latest valid 2021-method
 * certificate (renovation.batiment), else its representative DPE; use, year and dwellings from
 * the Fichiers fonciers (ffo_bat). Every column is text, in the order toRow reads them.
 * $1 département, $2 the last BatID of the previous page, $3 page size.
 */
const PAGE_SQL = `
  SELECT b.batid AS c0, b.status AS c1, b.code_departement_insee AS c2, g.code_commune_insee AS c3,
         g.libelle_commune_insee AS c4, b.batiment_groupe_id AS c5, b.batiment_construction_id AS c6,
         -- the scheme in FILTER, not WHERE: with it there, PostgreSQL walks id_link's primary key
         -- (scheme, external_id, batid) over every RNB id instead of the index on batid
         (SELECT (array_agg(l.external_id ORDER BY l.external_id) FILTER (WHERE l.scheme = 'rnb'))[1]
            FROM batid.id_link l
           WHERE l.batid = b.batid AND l.active AND l.code_departement_insee = $1) AS c7,
         ad.cle_interop_adr AS c8, ad.label AS c9,
         f.usage_niveau_1_txt AS c10, f.annee_construction::text AS c11, f.nb_log::text AS c12,
         ${DPE_SQL.classe} AS c13, ${DPE_SQL.classe2026} AS c14,
         ${DPE_SQL.energie} AS c15, ${DPE_SQL.installation} AS c16,
         round(ST_Area(b.geom)::numeric, 1)::text AS c17,
         ST_AsGeoJSON(ST_ForcePolygonCCW(b.geom), 3) AS c18,
         ST_X(pos.p)::text AS c19, ST_Y(pos.p)::text AS c20
    FROM (SELECT * FROM batid.building
           WHERE code_departement_insee = $1 AND status = 'constructed' AND batid > $2
           ORDER BY batid LIMIT $3) b
    LEFT JOIN bdnb.batiment_groupe g
           ON g.code_departement_insee = $1 AND g.batiment_groupe_id = b.batiment_groupe_id
    LEFT JOIN LATERAL (
           SELECT a.cle_interop_adr,
                  coalesce(a.libelle_adresse,
                           concat_ws(' ', a.numero, a.rep, a.type_voie, a.nom_voie, a.code_postal, a.libelle_commune)) AS label
             FROM bdnb.rel_batiment_groupe_adresse ra
             JOIN bdnb.adresse a ON a.code_departement_insee = $1 AND a.cle_interop_adr = ra.cle_interop_adr
            WHERE ra.code_departement_insee = $1 AND ra.batiment_groupe_id = b.batiment_groupe_id
            ORDER BY ra.lien_valide DESC NULLS LAST, a.cle_interop_adr
            LIMIT 1) ad ON true
    ${groupAttributeJoins('$1', 'b.batiment_groupe_id')}
    CROSS JOIN LATERAL (SELECT ST_PointOnSurface(b.geom) AS p) pos
   ORDER BY b.batid`;

const COLUMNS = 21;

/** A COPY row → ExportRow: checked, not cast (a column added to PAGE_SQL and not here fails loudly). */
function toRow(f: (string | null)[]): ExportRow {
  if (f.length !== COLUMNS) throw new Error(`export: expected ${COLUMNS} columns, got ${f.length}`);
  const text = (i: number) => f[i] ?? null;
  const num = (i: number) => {
    const v = f[i];
    return v === null || v === undefined ? null : Number(v);
  };
  const required = (i: number) => {
    const v = f[i];
    if (v === null || v === undefined) throw new Error(`export: column ${i} is null in a registry row`);
    return v;
  };
  const [x, y] = [num(19), num(20)];
  return {
    batid: required(0),
    status: required(1),
    code_departement_insee: required(2),
    code_commune_insee: text(3),
    libelle_commune: text(4),
    batiment_groupe_id: text(5),
    batiment_construction_id: text(6),
    rnb_id: text(7),
    cle_interop_adr: text(8),
    adresse: text(9),
    usage: text(10),
    annee_construction: num(11),
    nb_log: num(12),
    classe_dpe: text(13),
    classe_dpe_2026: text(14),
    energie_chauffage: text(15),
    installation_chauffage: text(16),
    surface_m2: num(17),
    geojsonL93: text(18),
    pointL93: x === null || y === null ? null : [x, y],
  };
}

/** How many standing buildings the département has (what an export writes). */
export async function countExportBuildings(store: Store, dept: string): Promise<number> {
  const [r] = await store.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM batid.building WHERE code_departement_insee = $1 AND status = 'constructed'`,
    [dept],
  );
  return r?.n ?? 0;
}

/**
 * The standing buildings of `dept` by BatID, one page at a time: through COPY on PGlite (which
 * decodes query rows ~5× slower), through a query without JIT on a server (COPY cannot carry
 * the setting). The next page is asked for while the caller writes this one.
 */
export async function* exportPages(
  store: Store,
  dept: string,
  pageSize = EXPORT_PAGE_SIZE,
): AsyncGenerator<ExportRow[]> {
  const rowsAfter =
    store.kind === 'embedded'
      ? (after: string) => store.copyOut(PAGE_SQL, [dept, after, pageSize])
      : (after: string) =>
          store.transaction(async (tx) => {
            // JIT compiling this plan cost ~2.7 s a page on PostgreSQL, for ~0.5 s of execution
            await tx.exec('SET LOCAL jit = off');
            const rows = await tx.query<Record<string, string | null>>(PAGE_SQL, [dept, after, pageSize]);
            return rows.map((r) => Object.values(r));
          });
  const fetchPage = (after: string) => {
    const page = rowsAfter(after).then((rows) => rows.map(toRow));
    // awaited later (after the caller has written the current page), so marked as handled now:
    // a failure then is thrown by that await, not reported as an unhandled rejection meanwhile
    page.catch(() => undefined);
    return page;
  };
  let pending: Promise<ExportRow[]> | null = fetchPage('');
  while (pending) {
    const page: ExportRow[] = await pending;
    const last = page[page.length - 1];
    pending = page.length === pageSize && last ? fetchPage(last.batid) : null;
    if (page.length) yield page;
  }
}
