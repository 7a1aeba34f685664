import type { ColumnDef } from '../ingest/catalog/types.js';
import { lambert93ToWgs84 } from '../geo/crs.js';
import { DPE_COLUMNS } from './dpe-columns.js';
import type { Prng } from './prng.js';
import type { RowCtx } from './rows.js';
import { rectWkt, rnbOf, round1, type Group, type Rect } from './world.js';

/** The run's seed (set by synthesize before writing). */
export const SEED = { value: 1 };

type Gen = (x: RowCtx, rng: Prng, dept: string) => string | number | boolean | null;

const pt = (x: number, y: number) => `${round1(x)} ${round1(y)}`;
export function addressPoint(g: Group): [number, number] {
  const north = g.plot[1] > g.street.y;
  return [(g.plot[0] + g.plot[2]) / 2, g.street.y + (north ? 3 : -3)];
}
const center = (r: Rect): [number, number] => [(r[0] + r[2]) / 2, (r[1] + r[3]) / 2];
const area = (r: Rect) => (r[2] - r[0]) * (r[3] - r[1]);
export const banKey = (g: Group) =>
  `${g.commune.code}_${g.street.code}_${String(g.number).padStart(5, '0')}${g.rep ? `_${g.rep}` : ''}`;
const label = (g: Group) =>
  `${g.number}${g.rep ? ` ${g.rep}` : ''} ${g.street.typeVoie} ${g.street.nomVoie} ${g.commune.codePostal} ${g.commune.nom}`;
const year = (x: RowCtx) => x.p?.year ?? null;
const siren = (g: Group) => String(200_000_000 + ((g.idx * 7919) % 99_999_999)).slice(0, 9);

/** Column generators by name (the important columns); the rest fall back on their type. */
const BY_NAME: Record<string, Gen> = {
  batiment_groupe_id: (x) => x.g?.id ?? null,
  batiment_construction_id: (x) => x.c?.id ?? null,
  code_departement_insee: (_x, _r, dept) => dept,
  code_commune_insee: (x) => x.g?.commune.code ?? x.parcel?.commune.code ?? x.town.commune.code,
  libelle_commune_insee: (x) => x.town.commune.nom,
  libelle_commune: (x) => x.town.commune.nom,
  code_iris: (x) => x.g?.iris ?? `${x.town.commune.code}0000`,
  code_epci_insee: (x) => x.town.commune.epci,
  code_region_insee: (x) => x.town.commune.region,
  code_postal: (x) => x.town.commune.codePostal,
  s_geom_groupe: (x) => Math.round(x.g!.constructions.reduce((s, c) => s + area(c.rect), 0)),
  s_geom_cstr: (x) => Math.round(area(x.c!.rect)),
  s_geom_parcelle: (x) => Math.round(area(x.parcel?.rect ?? x.g!.plot)),
  contient_fictive_geom_groupe: () => false,
  fictive_geom_cstr: () => false,
  hauteur: (x) => x.p!.height,
  hauteur_mean: (x) => Math.round(x.p!.height),
  altitude_sol: (x) => x.p!.altitude,
  altitude_sol_mean: (x) => Math.round(x.p!.altitude),
  rnb_id: (x, _r, _d) => (x.c ? rnbOf(x.c, SEED.value) : null),
  cle_interop_adr: (x) => (x.g && x.g.number !== null ? banKey(x.g) : null),
  cle_interop_adr_principale_ban: (x) => (x.g && x.g.number !== null ? banKey(x.g) : null),
  libelle_adresse: (x) => label(x.g!),
  libelle_adr_principale_ban: (x) => label(x.g!),
  numero: (x) => x.g!.number,
  rep: (x) => x.g!.rep || null,
  nom_voie: (x) => x.g!.street.nomVoie,
  type_voie: (x) => x.g!.street.typeVoie,
  source: () => 'BAN',
  nb_adresse_valid_ban: () => 1,
  classe: (x, r) => (x.g!.number !== null ? r.pick(['1.1', '1.1', '1.2', '2.1', '9.2']) : '9.2'),
  lien_valide: (_x, r) => r.chance(0.92),
  origine: (_x, r) => r.pick(['Fichiers_fonciers', 'Fichiers_fonciers', 'Cadastre']),
  parcelle_id: (x) => x.parcel?.id ?? x.g!.parcelId,
  parcelle_principale: () => true,
  // usage, construction, morphology
  usage_niveau_1_txt: (x) => x.p!.use,
  annee_construction: year,
  annee_construction_dpe: year,
  nb_niveau: (x) => x.p!.levels,
  nb_log: (x) => x.p!.dwellings,
  mat_mur_txt: (x) => x.p!.wall,
  mat_toit_txt: (x) => x.p!.roof,
  materiaux_structure_mur_exterieur: (x) => x.p!.wall,
  materiaux_toiture_simplifie: (x) => x.p!.roof,
  // DPE: what a certificate says comes from DPE_COLUMNS (dpe-columns.ts); these are the group's
  type_installation_chauffage: (x) => x.p!.installation,
  type_installation_ecs: (x) => x.p!.installation,
  type_batiment_dpe: (x) => (x.g!.collective ? 'appartement' : 'maison'),
  surface_habitable_immeuble: (x) => x.p!.surfaceHabitable,
  // copropriété, social housing, owners
  numero_immat_principal: (x) => `AA${String(x.g!.idx).padStart(7, '0')}`,
  numero_immat: (x) => `AA${String(x.g!.idx).padStart(7, '0')}`,
  l_nom_copro: (x) => `["SDC ${x.g!.number ?? ''} ${x.g!.street.typeVoie} ${x.g!.street.nomVoie}"]`,
  nb_lot_tot: (x) => x.p!.dwellings + 4,
  nb_log_rnc: (x) => x.p!.dwellings,
  siren: (x) => siren(x.g!),
  personne_id: (x) => `${x.town.commune.code.slice(0, 2)}P${String(x.g!.idx).padStart(6, '0')}`,
  denomination: (x) => (x.p!.social ? 'OPAC DE L ALLIER' : `SCI ${x.g!.street.nomVoie.toUpperCase()}`),
  bat_prop_denomination_proprietaire: (x) =>
    x.p!.social ? 'OPAC DE L ALLIER' : `SCI ${x.g!.street.nomVoie.toUpperCase()}`,
  forme_juridique: (x) => (x.p!.social ? 'Office public de l habitat' : 'Société civile immobilière'),
  is_bailleur: (x) => x.p!.social,
  dans_majic_pm: () => true,
  // risks, heritage
  alea_argiles: (x) => x.p!.clay,
  // `alea` of batiment_groupe_argiles and batiment_groupe_radon: see TABLE_COLUMNS

  alea_radon: (x) => x.p!.radon,
  distance_batiment_historique_plus_proche: (_x, r) => r.int(40, 6000),
  distance_batiment_historique: (_x, r) => r.int(10, 500),
  nom_batiment_historique_plus_proche: (x) => `Église Saint-Martin de ${x.town.commune.nom}`,
  merimee_ref: (x) => `PA${String(3000000 + (x.g!.idx % 500)).padStart(8, '0')}`,
  // metered consumption
  millesime: (x) => (x.year ? String(x.year) : null),
  conso_tot: (x, r) => Math.round((x.p!.dwellings || 1) * r.float(3000, 16000)),
  conso_res: (x, r) => Math.round((x.p!.dwellings || 1) * r.float(3000, 15000)),
  nb_pdl_tot: (x) => Math.max(1, x.p!.dwellings),
  nb_pdl_res: (x) => Math.max(1, x.p!.dwellings),
  // sales
  id_opendata: (x) => `${x.town.commune.code}-${x.g!.idx}`,
  date_mutation: (x, r) =>
    `${r.int(2014, 2024)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`,
  valeur_fonciere: (x, r) => Math.round((x.g!.collective ? 350_000 : 60_000) * r.float(0.5, 3)),
  // permits (SITADEL)
  numero_permis: (x) =>
    `PC0${x.town.commune.code}${String(x.p!.year % 100).padStart(2, '0')}${String(x.g!.idx).padStart(5, '0')}`,
  type_permis: () => 'PC',
  nature_projet: (x) => (x.p!.year >= 2013 ? 'construction neuve' : 'extension'),
  statut: () => 'terminé',
  date_autorisation: (x, r) =>
    `${Math.max(2000, x.p!.year - 1)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`,
  nb_logements_crees: (x) => (x.p!.year >= 2013 ? x.p!.dwellings : 0),
  nb_logements_demolis: () => 0,
  nb_permis: () => 1,
  // per address
  nb_batiment_groupe: () => 1,
  nb_batiment_construction: (x) => x.g!.constructions.length,
  // networks
  indicateur_distance_au_reseau: (x) => (x.g!.nearNetwork ? '<50m' : '>1000m'),
  potentiel_raccordement_reseau_chaleur: (x) =>
    x.g!.nearNetwork && x.p!.installation === 'collectif' ? 'fort' : 'faible',
  // administrative references
  libelle_iris: (x) => x.town.commune.nom,
  type_iris: () => 'Z',
  libelle_departement: () => 'Allier',
  libelle_region: () => 'Auvergne-Rhône-Alpes',
  libelle_epci: (x) => `CC de ${x.town.commune.nom}`,
};

const TEXT_POOLS: [RegExp, string[]][] = [
  [/classe|etiquette/, ['A', 'B', 'C', 'D', 'E', 'F', 'G']],
  [/fiabilite/, ['BONNE', 'MOYENNE', 'FAIBLE']],
  [/energie/, ['electricite', 'gaz naturel', 'fioul', 'bois']],
  [/isolation/, ['non isolé', 'ITI', 'ITE', 'ITR']],
  [/vitrage/, ['simple vitrage', 'double vitrage', 'triple vitrage']],
  [/menuiserie|fermeture/, ['PVC', 'bois', 'aluminium']],
  [/ventilation/, ['VMC simple flux', 'ventilation naturelle', 'VMC double flux']],
  [/periode/, ['avant 1948', '1948-1974', '1975-2000', 'après 2000']],
];

/** Columns whose meaning depends on the table. */
const TABLE_COLUMNS: Record<string, Record<string, Gen>> = {
  batiment_groupe_argiles: { alea: (x) => x.p!.clay },
  batiment_groupe_radon: { alea: (x) => x.p!.radon },
};

/** A value for any column: by name when modelled, else a plausible value of its type (often empty). */
export function columnValue(
  col: ColumnDef,
  x: RowCtx,
  rng: Prng,
  dept: string,
  table = '',
): string | number | boolean | null {
  const special = TABLE_COLUMNS[table]?.[col.name];
  if (special && x.g) return special(x, rng, dept);
  const fromCertificate = x.dpe && x.p ? DPE_COLUMNS[col.name] : undefined;
  if (fromCertificate) return fromCertificate(x.dpe!, x.p!);
  const named = BY_NAME[col.name];
  if (named && (x.g || !NEEDS_GROUP.has(col.name))) return named(x, rng, dept);
  if (!x.g && col.name.includes('batiment')) return null;
  switch (col.type) {
    case 'text': {
      const pool = TEXT_POOLS.find(([re]) => re.test(col.name));
      return pool && rng.chance(0.8) ? rng.pick(pool[1]) : null;
    }
    case 'integer':
    case 'bigint':
      return rng.chance(0.7) ? rng.int(0, 60) : null;
    case 'double':
      return rng.chance(0.7) ? Math.round(rng.float(0, 100) * 100) / 100 : null;
    case 'boolean':
      return rng.chance(0.2);
    case 'date':
      return rng.chance(0.7)
        ? `${rng.int(2012, 2024)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`
        : null;
    case 'jsonb':
      return rng.chance(0.6) ? JSON.stringify([rng.pick(['sud', 'nord', 'est', 'ouest', 'inconnu'])]) : null;
    case 'geometry':
      return null;
  }
}

/** Columns whose generator reads the group (rows not about a group leave them empty). */
const NEEDS_GROUP = new Set(
  Object.keys(BY_NAME).filter(
    (k) =>
      ![
        'code_departement_insee',
        'code_commune_insee',
        'libelle_commune_insee',
        'libelle_commune',
        'code_iris',
        'code_epci_insee',
        'code_region_insee',
        'code_postal',
        'parcelle_id',
        's_geom_parcelle',
        'libelle_iris',
        'type_iris',
        'libelle_departement',
        'libelle_region',
        'libelle_epci',
        'contient_fictive_geom_groupe',
        'fictive_geom_cstr',
        'source',
      ].includes(k),
  ),
);

/** The geometry of a row, as WKT in Lambert-93 (1 decimal like the real exports). */
export function geometryWkt(table: string, x: RowCtx): string | null {
  const g = x.g;
  switch (table) {
    case 'batiment_groupe':
      return `MULTIPOLYGON (${g!.constructions.map((c) => rectWkt(c.rect)).join(',')})`;
    case 'batiment_construction':
      return `MULTIPOLYGON (${rectWkt(x.c!.rect)})`;
    case 'adresse': {
      const [ax, ay] = addressPoint(g!);
      return `POINT (${pt(ax, ay)})`;
    }
    case 'parcelle':
      return `MULTIPOLYGON (${rectWkt(x.parcel?.rect ?? g!.plot)})`;
    case 'rel_batiment_groupe_adresse': {
      const [ax, ay] = addressPoint(g!);
      const [bx, by] = center(g!.constructions[0]!.rect);
      return `LINESTRING (${pt(ax, ay)},${pt(bx, by)})`;
    }
    default:
      return `MULTIPOLYGON (${rectWkt(x.town.core)})`;
  }
}

export function wgs84Point(x: RowCtx): string | null {
  if (!x.g) return null;
  const [cx, cy] = center(x.g.constructions[0]!.rect);
  const [lon, lat] = lambert93ToWgs84(cx, cy);
  return `POINT (${lon.toFixed(6)} ${lat.toFixed(6)})`;
}
