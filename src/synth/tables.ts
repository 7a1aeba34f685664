import type { TableDef } from '../ingest/catalog/types.js';
import { SEED } from './columns.js';
import { cachedDpeHistory } from './dpe-history.js';
import type { Profile } from './profile.js';
import { perGroup, type RowCtx, type RowSource } from './rows.js';
import type { Town } from './world.js';

/** Allier (03) export sizes this generator aims at for scale 1 (contract §2; the others estimated). */
export const ALLIER_TARGETS: Record<string, number> = {
  batiment_groupe: 271_795,
  batiment_construction: 405_000,
  adresse: 182_000,
  parcelle: 734_000,
};

const years = [2020, 2021, 2022];
const historyOf = (x: RowCtx) => cachedDpeHistory(x.g!, x.p!, SEED.value);
const isGas = (p: Profile) => p.heatingEnergy === 'gaz naturel';

function* withYears(src: Iterable<RowCtx>, ys: number[]): Iterable<RowCtx> {
  for (const r of src) for (const year of ys) yield { ...r, year };
}

/** Row sources of the tables the generator models; other catalogue tables use `genericSource`. */
export const SOURCES: Record<string, RowSource> = {
  batiment_groupe: (t, pf, r) => perGroup(t, pf, r, () => true),
  batiment_construction: function* (t, pf) {
    for (const g of t.groups) for (const c of g.constructions) yield { town: t, g, p: pf(g), c };
  },
  adresse: (t, pf, r) => perGroup(t, pf, r, (g) => g.number !== null),
  parcelle: function* (t, pf) {
    for (const g of t.groups) yield { town: t, g, p: pf(g) };
    for (const parcel of t.parcels) yield { town: t, parcel };
  },
  batiment_groupe_adresse: (t, pf, r) => perGroup(t, pf, r, (g) => g.number !== null),
  rel_batiment_groupe_adresse: (t, pf, r) => perGroup(t, pf, r, (g) => g.number !== null),
  rel_batiment_construction_adresse: function* (t, pf) {
    for (const g of t.groups)
      if (g.number !== null) for (const c of g.constructions) yield { town: t, g, p: pf(g), c };
  },
  rel_batiment_groupe_parcelle: (t, pf, r) => perGroup(t, pf, r, () => true),
  // every construction; those without an RNB id (30%) have an empty key and are left out
  rel_batiment_construction_rnb: function* (t, pf) {
    for (const g of t.groups) for (const c of g.constructions) yield { town: t, g, p: pf(g), c };
  },
  sitadel: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.permit),
  rel_parcelle_sitadel: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.permit),
  parcelle_sitadel: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.permit),
  adresse_metrique: (t, pf, r) => perGroup(t, pf, r, (g) => g.number !== null),

  batiment_groupe_dpe_representatif_logement: function* (t, pf, r) {
    for (const x of perGroup(t, pf, r, (_g, p) => p.hasDpe)) yield { ...x, dpe: historyOf(x).current };
  },
  batiment_groupe_dpe_statistique_logement: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.hasDpe),
  // every certificate of every dwelling (dpe-history.ts)
  dpe_logement: function* (t, pf, r) {
    for (const x of perGroup(t, pf, r, (_g, p) => p.hasDpe))
      for (const dpe of historyOf(x).certificates) yield { ...x, dpe };
  },
  rel_batiment_groupe_dpe_logement: function* (t, pf, r) {
    for (const x of SOURCES.dpe_logement!(t, pf, r)) yield x;
  },
  batiment_groupe_rnc: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.copro),
  rel_batiment_groupe_rnc: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.copro),
  batiment_groupe_rpls: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.social),
  batiment_groupe_dle_elec_multimillesime: (t, pf, r) =>
    withYears(
      perGroup(t, pf, r, (_g, p) => p.metered),
      years,
    ),
  batiment_groupe_dle_gaz_multimillesime: (t, pf, r) =>
    withYears(
      perGroup(t, pf, r, (_g, p) => p.metered && isGas(p)),
      years,
    ),
  batiment_groupe_dle_reseaux_multimillesime: (t, pf, r) =>
    withYears(
      perGroup(t, pf, r, (_g, p) => p.heatingEnergy === 'reseau de chaleur'),
      years,
    ),
  batiment_groupe_dle_elec_2020: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.metered),
  batiment_groupe_dle_gaz_2020: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.metered && isGas(p)),
  batiment_groupe_dle_reseaux_2020: (t, pf, r) =>
    perGroup(t, pf, r, (_g, p) => p.heatingEnergy === 'reseau de chaleur'),
  batiment_groupe_dvf_open_representatif: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.sale),
  batiment_groupe_dvf_open_statistique: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.sale),
  batiment_groupe_argiles: (t, pf, r) => perGroup(t, pf, r, () => true),
  batiment_groupe_radon: (t, pf, r) => perGroup(t, pf, r, () => true),
  batiment_groupe_merimee: (t, pf, r) => perGroup(t, pf, r, () => 0.9),
  rel_batiment_groupe_merimee: (t, pf, r) => perGroup(t, pf, r, () => 0.02),
  batiment_groupe_ffo_bat: (t, pf, r) => perGroup(t, pf, r, (_g, p) => (p.use === 'Dépendance' ? 0.3 : 0.95)),
  batiment_groupe_geospx: (t, pf, r) => perGroup(t, pf, r, () => 0.85),
  batiment_groupe_bdtopo_bat: (t, pf, r) => perGroup(t, pf, r, () => 0.95),
  batiment_groupe_synthese_enveloppe: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.dwellings > 0),
  batiment_groupe_simulations_dpe: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.dwellings > 0),
  batiment_groupe_simulations_dvf: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.dwellings > 0 && p.sale),
  batiment_groupe_simulations_valeur_verte: (t, pf, r) =>
    perGroup(t, pf, r, (_g, p) => p.dwellings > 0 && p.sale),
  batiment_groupe_qpv: (t, pf, r) => perGroup(t, pf, r, (g) => g.commune.population > 10_000 && g.collective),
  rel_batiment_groupe_qpv: (t, pf, r) =>
    perGroup(t, pf, r, (g) => g.commune.population > 10_000 && g.collective),
  batiment_groupe_indicateur_reseau_chaud_froid: (t, pf, r) =>
    perGroup(t, pf, r, (g) => g.nearNetwork || g.collective),
  batiment_groupe_hthd: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.use === 'Tertiaire' && r.chance(0.3)),
  batiment_groupe_bpe: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.use === 'Tertiaire' && r.chance(0.2)),
  batiment_groupe_bdtopo_equ: (t, pf, r) =>
    perGroup(t, pf, r, (_g, p) => p.use === 'Tertiaire' && r.chance(0.2)),
  batiment_groupe_bdtopo_zoac: (t, pf, r) =>
    perGroup(t, pf, r, (_g, p) => p.use !== 'Résidentiel individuel' && r.chance(0.1)),
  batiment_groupe_delimitation_enveloppe: (t, pf, r) => perGroup(t, pf, r, () => 0.2),
  batiment_groupe_wall_dict: (t, pf, r) => perGroup(t, pf, r, () => 0.2),
  proprietaire: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.owner),
  rel_batiment_groupe_proprietaire_siren: (t, pf, r) => SOURCES.proprietaire!(t, pf, r),
  rel_batiment_groupe_proprietaire_siren_open: (t, pf, r) => SOURCES.proprietaire!(t, pf, r),
  rel_batiment_groupe_siren_complet: (t, pf, r) => SOURCES.proprietaire!(t, pf, r),
  rel_batiment_groupe_siret_complet: (t, pf, r) => perGroup(t, pf, r, (_g, p) => p.use === 'Tertiaire'),
};

/** A table the generator does not model: rows on a share of groups, or on the towns themselves. */
export function genericSource(table: TableDef): RowSource {
  const has = (c: string) => table.columns.some((x) => x.name === c);
  if (has('batiment_groupe_id')) return (t, pf, r) => perGroup(t, pf, r, () => 0.3);
  if (has('parcelle_id')) {
    return function* (t, pf, r) {
      for (const g of t.groups) if (r.chance(0.02)) yield { town: t, g, p: pf(g) };
    };
  }
  return function* (t: Town) {
    yield { town: t };
  };
}

/** Tables written once per town (administrative references), not per group. */
export const PER_TOWN = new Set([
  'referentiel_administratif_iris',
  'iris_contexte_geographique',
  'iris_simulations_valeur_verte',
]);
/** Tables written once for the whole département. */
export const ONCE = new Set([
  'referentiel_administratif_departement',
  'referentiel_administratif_region',
  'referentiel_administratif_epci',
  'ancqpv',
]);
