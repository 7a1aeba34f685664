/**
 * DPE label rules the synthetic certificates obey (domain.md §4): 2021-method class bounds, the
 * electricity factor of a certificate's date, EP from EF. Kept apart from src/renovation on
 * purpose: the ground truth must not share code (nor bugs) with the detector it scores.
 * Standard bounds only: synthetic altitudes stay below 800 m.
 */
import { DPE_BOUNDS, GES_BOUNDS } from './distributions.js';

export const DPE_CLASSES = ['A', 'B', 'C', 'D', 'E', 'F', 'G'] as const;
export type DpeLetter = (typeof DPE_CLASSES)[number];

/** Strict upper bounds of A…F (above the last one: G), kWh EP/m²/yr and kg CO₂/m²/yr. */
const EP_UPPER = [70, 110, 180, 250, 330, 420];
const GES_UPPER = [6, 11, 30, 50, 70, 100];

export const ELEC_FACTOR_2021 = 2.3;
export const ELEC_FACTOR_2026 = 1.9;
export const FACTOR_2026_FROM = '2026-01-01';

export const round1 = (v: number) => Math.round(v * 10) / 10;

const rankUnder = (v: number, upper: readonly number[]) => {
  const i = upper.findIndex((b) => v < b);
  return i < 0 ? upper.length : i;
};

/** 0 (A) … 6 (G): the worse of the energy class and the climate class. */
export function classRank(epM2: number, gesM2: number): number {
  return Math.max(rankUnder(epM2, EP_UPPER), rankUnder(gesM2, GES_UPPER));
}

export const letterOf = (rank: number): DpeLetter => DPE_CLASSES[rank]!;
export const gesLetterOf = (gesM2: number): DpeLetter => letterOf(rankUnder(gesM2, GES_UPPER));

export function electricityFactor(date: string): number {
  return date >= FACTOR_2026_FROM ? ELEC_FACTOR_2026 : ELEC_FACTOR_2021;
}

/**
 * EP = EF_other + f × EF_elec, with EF_elec = elecShare × EF (1 for an all-electric dwelling):
 * EP / EF = 1 + (f − 1) × elecShare.
 */
export const epOverEf = (elecShare: number, date: string) => 1 + (electricityFactor(date) - 1) * elecShare;
export const epFromEf = (efM2: number, elecShare: number, date: string) =>
  round1(efM2 * epOverEf(elecShare, date));
export const efFromEp = (epM2: number, elecShare: number, date: string) =>
  round1(epM2 / epOverEf(elecShare, date));

/**
 * kWh EP/m² of a certificate recomputed with the 2026 factor, from its own EP and EF (as a
 * detector reading the export would: EP − EF = (f − 1) × EF_elec).
 */
export function ep2026(epM2: number, efM2: number, date: string): number {
  const f = electricityFactor(date);
  if (f === ELEC_FACTOR_2026) return epM2;
  const elec = Math.max(0, Math.min(efM2, (epM2 - efM2) / (f - 1)));
  return round1(epM2 - (f - ELEC_FACTOR_2026) * elec);
}

/** The class the same certificate would get with the 2026 electricity factor. */
export function classRank2026(epM2: number, efM2: number, gesM2: number, date: string): number {
  return classRank(ep2026(epM2, efM2, date), gesM2);
}

/** [low, high) kWh EP/m² and kg CO₂/m² a certificate of class `rank` is drawn in. */
export const epBand = (rank: number) => DPE_BOUNDS[letterOf(rank)];
export const gesBand = (rank: number) => GES_BOUNDS[letterOf(rank)];
