/**
 * The feature collections of the OGC API (`/ogc/collections`): what each holds, its feature ids,
 * and the SQL that reads a page of its features as GeoJSON text (WGS84, 7 decimals ≈ 1 cm).
 *
 * Every bbox filter is written on the stored Lambert-93 column (`col && box.g`, the GiST of each
 * partition), the CRS84 bbox being densified then projected once (`box` CTE), never the column.
 * Pages are keyset pages in id order; the properties (joins on département + group id) are read
 * for the page's rows only, after its LIMIT.
 */
import type { Bbox } from '../buildings/locate.js';
import { parseBatid } from '../ids/batid.js';
import { DPE_SQL, groupAttributeJoins } from '../tiles/building-table.js';

export const COLLECTION_IDS = ['buildings', 'addresses', 'networks'] as const;
export type CollectionId = (typeof COLLECTION_IDS)[number];

/** Bind parameters gathered while a statement is written; `add` gives the typed placeholder. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

export interface FeatureQuery {
  /** CRS84, inside L93_DOMAIN; null: every feature. */
  bbox: Bbox | null;
  /** Features whose key is after (`>`), before (`<`) or equal to (`=`) these key values. */
  key: { op: '>' | '<' | '='; values: readonly (string | number)[] } | null;
  limit: number;
  /** The page is cut from the end (`<`, a prev link): the rows nearest the key, still returned in id order. */
  fromEnd: boolean;
}

export interface CollectionDef {
  id: CollectionId;
  title: string;
  description: string;
  /** One row `e`: the Lambert-93 box of every geometry of the collection (null when empty). */
  extentSql: string;
  /** The key of a feature id, or null when no feature of this collection has that id. */
  keyOf(featureId: string): (string | number)[] | null;
  /**
   * Rows `(id, f)`: the feature id and the GeoJSON Feature as text, in id order; every property
   * is written, null ones included, so that clients (GDAL reads the first page) see one schema.
   */
  featuresSql(q: FeatureQuery, p: SqlParams): string;
  /** One row `n`: the number of features the bbox matches. */
  countSql(bbox: Bbox | null, p: SqlParams): string;
}

/** The CRS84 bbox densified (a point every 0.01°: its sides are curves in Lambert-93) and projected once. */
const boxCte = (b: Bbox, p: SqlParams) =>
  `box AS (SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope(${b.map((x) => p.add(x, 'float8')).join(', ')}, 4326), 0.01), 2154) AS g)`;
const inBox = (col: string) => `${col} && box.g AND ST_Intersects(${col}, box.g)`;
const geometry = (col: string) => `ST_AsGeoJSON(ST_Transform(${col}, 4326), 7)::json`;
const and = (conds: (string | false | null)[]) => conds.filter(Boolean).join(' AND ') || 'true';
/** The rows of a page: one more than asked, so the caller knows whether there is another. */
const order = (cols: string[], q: FeatureQuery) =>
  `ORDER BY ${cols.map((c) => `${c}${q.fromEnd ? ' DESC' : ''}`).join(', ')} LIMIT ${Math.trunc(q.limit)}`;
const keyCond = (cols: string[], types: string[], q: FeatureQuery, p: SqlParams) =>
  q.key && `(${cols.join(', ')}) ${q.key.op} (${q.key.values.map((v, i) => p.add(v, types[i]!)).join(', ')})`;

/**
 * The footprints a bbox meets, by the GiST of each partition alone (MATERIALIZED: without
 * statistics — PGlite has no autovacuum — the planner would rather scan the registry by status
 * and probe each footprint), keys only; the page's geometries are read after its LIMIT.
 */
const BUILDING_HITS = `hits AS MATERIALIZED (
  SELECT c.code_departement_insee AS d, c.batiment_construction_id AS bc
    FROM box, bdnb.batiment_construction c WHERE ${inBox('c.geom_cstr')})`;
const HIT_BUILDING = `batid.building b ON b.code_departement_insee = h.d AND b.batiment_construction_id = h.bc`;

const buildings: CollectionDef = {
  id: 'buildings',
  title: 'Bâtiments',
  description:
    'Les bâtiments debout, un par BatID, avec leur emprise au sol (BDNB batiment_construction) et les attributs ' +
    'principaux de leur fiche : usage, année de construction, logements (fichiers fonciers), étiquette DPE (dernier ' +
    'DPE 2021 valide, sinon le DPE représentatif de la BDNB), énergie et installation de chauffage.',
  extentSql: `SELECT ST_Extent(geom_cstr)::geometry AS e FROM bdnb.batiment_construction`,
  keyOf(featureId) {
    const b = parseBatid(featureId);
    return b.ok ? [b.batid] : null;
  },
  featuresSql(q, p) {
    const box = q.bbox && boxCte(q.bbox, p);
    const where = and(["b.status = 'constructed'", keyCond(['b.batid'], ['text'], q, p)]);
    // labels and heating by the rule of the building tiles (DPE_SQL, src/tiles/building-table.ts)
    return `WITH ${box ? `${box}, ${BUILDING_HITS},` : ''} page AS (
      SELECT b.batid, b.status, b.code_departement_insee AS d, b.batiment_construction_id AS bc
        FROM ${box ? `hits h JOIN ${HIT_BUILDING}` : 'batid.building b'}
       WHERE ${where}
       ${order(['b.batid'], q)})
    SELECT p.batid AS id,
           json_build_object('type', 'Feature', 'id', p.batid, 'geometry', ${geometry('c.geom_cstr')},
             'properties', json_build_object('batid', p.batid, 'status', p.status,
               'code_commune_insee', c.code_commune_insee, 'rnb_id', c.rnb_id,
               'usage', f.usage_niveau_1_txt, 'annee_construction', f.annee_construction, 'nb_log', f.nb_log,
               'classe_dpe', ${DPE_SQL.classe}, 'classe_dpe_2026', ${DPE_SQL.classe2026},
               'energie_chauffage', ${DPE_SQL.energie}, 'installation_chauffage', ${DPE_SQL.installation}))::text AS f
      FROM page p
      LEFT JOIN bdnb.batiment_construction c ON c.code_departement_insee = p.d AND c.batiment_construction_id = p.bc
      ${groupAttributeJoins('c.code_departement_insee', 'c.batiment_groupe_id')}
     ORDER BY p.batid`;
  },
  countSql(bbox, p) {
    const box = bbox && boxCte(bbox, p);
    return box
      ? `WITH ${box}, ${BUILDING_HITS} SELECT count(*)::int AS n FROM hits h JOIN ${HIT_BUILDING} WHERE b.status = 'constructed'`
      : `SELECT count(*)::int AS n FROM batid.building b WHERE b.status = 'constructed'`;
  },
};

/** BDNB addresses, and the BAN's over them by key (the fresher source), as in the address tiles. */
const addressRows = (hasBox: boolean, key: string | null) => `
  SELECT a.cle_interop_adr AS id, 'bdnb' AS source, nullif(concat(a.numero, a.rep), '') AS numero,
         coalesce(a.libelle_adresse, concat_ws(' ', a.numero, a.rep, a.type_voie, a.nom_voie, a.code_postal, a.libelle_commune))
           AS label,
         a.code_commune_insee, a.code_postal, a.geom_adresse AS geom
    FROM ${hasBox ? 'box, ' : ''}bdnb.adresse a
   WHERE ${and(['a.cle_interop_adr IS NOT NULL', hasBox && inBox('a.geom_adresse'), key && `a.cle_interop_adr ${key}`])}
     AND NOT EXISTS (SELECT 1 FROM ban.adresse x
                      WHERE x.id = a.cle_interop_adr AND x.code_departement_insee = a.code_departement_insee)
  UNION ALL
  SELECT x.id, 'ban', nullif(concat(CASE WHEN x.numero NOT IN (0, 99999) THEN x.numero END, x.rep), ''),
         concat_ws(' ', nullif(concat_ws(' ', CASE WHEN x.numero NOT IN (0, 99999) THEN x.numero END, x.rep), ''),
                   x.nom_voie, x.code_postal, x.nom_commune),
         x.code_insee, x.code_postal, x.geom
    FROM ${hasBox ? 'box, ' : ''}ban.adresse x
   WHERE ${and([hasBox && inBox('x.geom'), key && `x.id ${key}`])}`;

const addresses: CollectionDef = {
  id: 'addresses',
  title: 'Adresses',
  description:
    'Les adresses de la BDNB, et celles de la BAN par-dessus (même clé d’interopérabilité : la BAN est la source ' +
    'la plus fraîche) : clé, numéro, libellé, commune, code postal, source.',
  extentSql: `SELECT ST_Extent(g)::geometry AS e
                FROM (SELECT geom_adresse AS g FROM bdnb.adresse UNION ALL SELECT geom FROM ban.adresse) s`,
  keyOf: (featureId) => (featureId.length > 0 && featureId.length <= 100 ? [featureId] : null),
  featuresSql(q, p) {
    const box = q.bbox && boxCte(q.bbox, p);
    // the key condition, on each source (`> $n`)
    const key = q.key ? `${q.key.op} ${p.add(q.key.values[0], 'text')}` : null;
    return `WITH ${box ? `${box},` : ''} page AS (
      SELECT * FROM (${addressRows(!!q.bbox, key)}) u
       ${order(['u.id'], q)})
    SELECT p.id,
           json_build_object('type', 'Feature', 'id', p.id, 'geometry', ${geometry('p.geom')},
             'properties', json_build_object('cle_interop_adr', p.id, 'numero', p.numero, 'label', p.label,
               'code_commune_insee', p.code_commune_insee, 'code_postal', p.code_postal, 'source', p.source))::text AS f
      FROM page p
     ORDER BY p.id`;
  },
  countSql(bbox, p) {
    const box = bbox && boxCte(bbox, p);
    return `${box ? `WITH ${box}` : ''} SELECT count(*)::int AS n FROM (${addressRows(!!bbox, null)}) u`;
  },
};

const NETWORK_ID = /^(reseau_de_chaleur|reseau_de_froid|reseau_en_construction|pdp)-([0-9]{1,9})$/;

const networks: CollectionDef = {
  id: 'networks',
  title: 'Réseaux de chaleur et de froid',
  description:
    'Les réseaux de chaleur et de froid, les réseaux et zones en construction et les périmètres de développement ' +
    'prioritaire (France Chaleur Urbaine) ; identifiant `couche-id_fcu`.',
  extentSql: `SELECT ST_Extent(geom)::geometry AS e FROM fcu.network`,
  keyOf(featureId) {
    const m = NETWORK_ID.exec(featureId);
    return m ? [m[1]!, Number(m[2])] : null;
  },
  featuresSql(q, p) {
    const box = q.bbox && boxCte(q.bbox, p);
    const where = and([q.bbox && inBox('n.geom'), keyCond(['n.layer', 'n.id_fcu'], ['text', 'int'], q, p)]);
    return `WITH ${box ? `${box},` : ''} page AS (
      SELECT n.layer, n.id_fcu, n.sncu_id, n.name, n.operator, n.enrr_rate, n.co2, n.co2_acv, n.classed, n.geom
        FROM ${box ? 'box, ' : ''}fcu.network n
       WHERE ${where}
       ${order(['n.layer', 'n.id_fcu'], q)})
    SELECT p.layer || '-' || p.id_fcu AS id,
           json_build_object('type', 'Feature', 'id', p.layer || '-' || p.id_fcu, 'geometry', ${geometry('p.geom')},
             'properties', json_build_object('layer', p.layer, 'id_fcu', p.id_fcu, 'sncu_id', p.sncu_id,
               'nom', p.name, 'gestionnaire', p.operator, 'taux_enrr', p.enrr_rate, 'contenu_co2', p.co2,
               'contenu_co2_acv', p.co2_acv, 'classe', p.classed))::text AS f
      FROM page p
     ORDER BY p.layer, p.id_fcu`;
  },
  countSql(bbox, p) {
    const box = bbox && boxCte(bbox, p);
    return `${box ? `WITH ${box}` : ''}
      SELECT count(*)::int AS n FROM ${box ? 'box, ' : ''}fcu.network n WHERE ${and([bbox && inBox('n.geom')])}`;
  },
};

export const COLLECTIONS: Record<CollectionId, CollectionDef> = { buildings, addresses, networks };

export const isCollectionId = (id: string): id is CollectionId =>
  (COLLECTION_IDS as readonly string[]).includes(id);
