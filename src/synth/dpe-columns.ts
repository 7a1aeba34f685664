/** The `dpe_logement` columns a certificate decides (the group's own ones stay in columns.ts). */
import type { Certificate } from './dpe-history.js';
import { classRank, gesLetterOf, letterOf } from './dpe-rules.js';
import type { Profile } from './profile.js';

export const TYPE_DPE_2021 = 'dpe arrêté 2021 3cl logement';
export const TYPE_DPE_2012 = 'dpe 2012 3cl logement';

type Value = string | number | boolean | null;

/** BDNB `periode_construction_dpe` of a construction year. */
export function periodeOf(year: number): string {
  const cuts: [number, string][] = [
    [1948, 'avant 1948'],
    [1975, '1948-1974'],
    [1978, '1975-1977'],
    [1983, '1978-1982'],
    [1989, '1983-1988'],
    [2001, '1989-2000'],
    [2006, '2001-2005'],
    [2013, '2006-2012'],
    [2022, '2013-2021'],
  ];
  return cuts.find(([before]) => year < before)?.[1] ?? 'après 2021';
}

export const DPE_COLUMNS: Record<string, (c: Certificate, p: Profile) => Value> = {
  identifiant_dpe: (c) => c.id,
  numero_dpe_remplace: (c) => c.replaces,
  type_dpe: (c) => (c.method2021 ? TYPE_DPE_2021 : TYPE_DPE_2012),
  arrete_2021: (c) => c.method2021,
  date_etablissement_dpe: (c) => c.date,
  date_reception_dpe: (c) => c.received,
  type_batiment_dpe: (c) => c.dwelling.type,
  numero_etage_appartement: (c) => c.dwelling.floor,
  nombre_niveau_logement: (c) => c.dwelling.levels,
  surface_habitable_logement: (c) => c.surfaceM2,
  periode_construction_dpe: (_c, p) => periodeOf(p.year),
  classe_bilan_dpe: (c) => letterOf(classRank(c.state.epM2, c.state.gesM2)),
  classe_emission_ges: (c) => gesLetterOf(c.state.gesM2),
  conso_5_usages_ep_m2: (c) => c.state.epM2,
  conso_5_usages_ef_m2: (c) => c.state.efM2,
  emission_ges_5_usages_m2: (c) => c.state.gesM2,
  type_energie_chauffage: (c) => c.state.eq.heatingEnergy,
  type_generateur_chauffage: (c) => c.state.eq.heatingGenerator,
  type_energie_ecs: (c) => c.state.eq.ecsEnergy,
  type_generateur_ecs: (c) => c.state.eq.ecsGenerator,
  type_isolation_mur_exterieur: (c) => c.state.eq.wall,
  type_isolation_plancher_bas: (c) => c.state.eq.floor,
  type_isolation_plancher_haut: (c) => c.state.eq.roof,
  type_vitrage: (c) => c.state.eq.glazing,
  type_materiaux_menuiserie: (c) => c.state.eq.joinery,
  type_ventilation: (c) => c.state.eq.ventilation,
};
