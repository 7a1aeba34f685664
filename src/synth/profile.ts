import {
  DPE_BOUNDS,
  DPE_CLASS,
  GES_BOUNDS,
  HEATING_COLLECTIVE,
  HEATING_INDIVIDUAL,
  PERIOD,
  RADON,
  CLAY,
  ROOF,
  USE,
  WALL,
  COPRO_SHARE,
  SOCIAL_SHARE,
} from './distributions.js';
import { Prng, seedOf } from './prng.js';
import type { Group } from './world.js';

export type DpeClass = keyof typeof DPE_CLASS;

/** What a building group is like: drawn once per group from its own seeded stream. */
export interface Profile {
  use: string;
  year: number;
  levels: number;
  height: number;
  dwellings: number;
  surfaceHabitable: number;
  heatingEnergy: string;
  installation: 'individuel' | 'collectif';
  hasDpe: boolean;
  dpe: DpeClass;
  consoEp: number;
  ges: number;
  wall: string;
  roof: string;
  copro: boolean;
  social: boolean;
  clay: string;
  radon: string;
  altitude: number;
  sale: boolean;
  metered: boolean;
  /** dwellings with DPE certificates of a collective group (dpe-history.ts; a house is one) */
  dpeCount: number;
  /** a building permit in SITADEL */
  permit: boolean;
  /** owned by a legal person listed in the open owner files */
  owner: boolean;
}

const PERIOD_YEARS: Record<keyof typeof PERIOD, [number, number]> = {
  '1800-1914': [1800, 1914],
  '1915-1947': [1915, 1947],
  '1948-1974': [1948, 1974],
  '1975-1988': [1975, 1988],
  '1989-2000': [1989, 2000],
  '2001-2012': [2001, 2012],
  '2013-2023': [2013, 2023],
};

export function profileOf(g: Group, seed: number): Profile {
  const rng = new Prng(seedOf(g.id, seed), 1);
  const use = g.collective
    ? 'Résidentiel collectif'
    : g.commune.population > 10_000 && rng.chance(0.1)
      ? 'Tertiaire'
      : rng.weighted(USE);
  const residential = use.startsWith('Résidentiel');
  const [y0, y1] = PERIOD_YEARS[rng.weighted(PERIOD)];
  const year = rng.int(y0, y1);
  const levels = g.collective ? rng.int(3, 9) : use === 'Dépendance' ? 1 : rng.int(1, 3);
  const dwellings = !residential ? 0 : g.collective ? rng.int(5, 48) : 1;
  const installation = g.collective ? (rng.chance(0.8) ? 'collectif' : 'individuel') : 'individuel';
  let heatingEnergy: string =
    installation === 'collectif' ? rng.weighted(HEATING_COLLECTIVE) : rng.weighted(HEATING_INDIVIDUAL);
  if (g.nearNetwork && installation === 'collectif' && rng.chance(0.45)) heatingEnergy = 'reseau de chaleur';
  // older buildings skew towards worse labels, recent ones towards better
  const weights = { ...DPE_CLASS } as Record<DpeClass, number>;
  if (year < 1948) Object.assign(weights, { A: 0.5, B: 1, C: 6, D: 24, E: 30, F: 22, G: 17 });
  if (year >= 2001) Object.assign(weights, { A: 8, B: 18, C: 40, D: 24, E: 7, F: 2, G: 1 });
  const dpe = rng.weighted(weights);
  const [lo, hi] = DPE_BOUNDS[dpe];
  const [glo, ghi] = GES_BOUNDS[dpe];
  return {
    use,
    year,
    levels,
    height: Math.round((levels * 2.8 + rng.float(0.5, 3)) * 10) / 10,
    dwellings,
    surfaceHabitable: dwellings ? Math.round(dwellings * rng.float(55, 120)) : 0,
    heatingEnergy,
    installation,
    hasDpe: residential && rng.chance(g.collective ? 0.7 : 0.22),
    dpe,
    consoEp: Math.round(rng.float(lo, hi - 0.5) * 10) / 10,
    ges: Math.round(rng.float(glo, ghi - 0.5) * 10) / 10,
    wall: rng.weighted(WALL),
    roof: rng.weighted(ROOF),
    copro: g.collective && rng.chance(COPRO_SHARE),
    social: g.collective && rng.chance(SOCIAL_SHARE),
    clay: rng.weighted(CLAY),
    radon: rng.weighted(RADON),
    altitude: Math.round(rng.float(180, 520) * 10) / 10,
    sale: rng.chance(0.15),
    metered: residential && rng.chance(0.6),
    dpeCount: g.collective ? rng.int(1, 4) : rng.chance(0.25) ? 2 : 1,
    permit: year >= 2013 ? rng.chance(0.6) : rng.chance(0.01),
    owner: g.collective ? rng.chance(0.4) : use === 'Tertiaire' ? rng.chance(0.3) : false,
  };
}
