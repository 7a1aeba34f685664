/**
 * DPE label rules of the 2021 method (domain.md §4): class bounds, the electricity factor of
 * the certificate's date, and the label a certificate would get with the 2026 factor.
 */

export const DPE_CLASSES = ['A', 'B', 'C', 'D', 'E', 'F', 'G'] as const;
export type DpeClass = (typeof DPE_CLASSES)[number];

/** Upper bounds (strict) of A…F; above the last one: G. kWh EP/m²/yr and kg CO₂/m²/yr. */
const ENERGY_BOUNDS = [70, 110, 180, 250, 330, 420];
const GES_BOUNDS = [6, 11, 30, 50, 70, 100];
/** Above 800 m in zones H1b, H1c and H2d, E and F are wider. */
const ENERGY_BOUNDS_HIGH = [70, 110, 180, 250, 390, 500];
const GES_BOUNDS_HIGH = [6, 11, 30, 50, 80, 110];

/** G+ ("passoire" of the décence rule): more than 450 kWh of final energy per m² and year. */
export const G_PLUS_EF_M2 = 450;

/** Primary-energy factor of electricity: 2.3 until 2025-12-31, 1.9 from 2026-01-01. */
export const ELEC_FACTOR_2021 = 2.3;
export const ELEC_FACTOR_2026 = 1.9;
export const FACTOR_2026_FROM = '2026-01-01';

export function electricityFactorOn(date: string | null): number {
  return date !== null && date >= FACTOR_2026_FROM ? ELEC_FACTOR_2026 : ELEC_FACTOR_2021;
}

/**
 * Départements of the climate zones H1b, H1c and H2d (arrêté du 26 octobre 2010, annexe), the
 * only ones where the altitude bounds apply.
 */
const HIGH_ALTITUDE_ZONE_DEPTS = new Set(
  (
    '08 10 45 51 52 54 55 57 58 67 68 70 88 89 90 ' + // H1b
    '01 03 05 15 19 21 23 25 38 39 42 43 63 69 71 73 74 87 ' + // H1c
    '04 07 26 48 84'
  ) // H2d
    .split(' '),
);

/** Whether the altitude bounds apply to a building of that département at that altitude (m). */
export function highAltitudeBounds(dept: string, altitudeM: number | null): boolean {
  return altitudeM !== null && altitudeM > 800 && HIGH_ALTITUDE_ZONE_DEPTS.has(dept);
}

const rankUnder = (value: number, bounds: readonly number[]) => {
  const i = bounds.findIndex((b) => value < b);
  return i < 0 ? bounds.length : i;
};

/** The class of a certificate: the worse of its energy class and its climate class. */
export function dpeClass(epM2: number, gesM2: number | null, high = false): DpeClass {
  const e = rankUnder(epM2, high ? ENERGY_BOUNDS_HIGH : ENERGY_BOUNDS);
  const g = gesM2 === null ? 0 : rankUnder(gesM2, high ? GES_BOUNDS_HIGH : GES_BOUNDS);
  return DPE_CLASSES[Math.max(e, g)]!;
}

/** 0 for A … 6 for G. */
export function classRank(c: DpeClass): number {
  return DPE_CLASSES.indexOf(c);
}

export function isDpeClass(s: string | null | undefined): s is DpeClass {
  return s !== null && s !== undefined && (DPE_CLASSES as readonly string[]).includes(s);
}

/**
 * kWh EP/m² of a certificate recomputed with the 2026 electricity factor. With factors 1 and f
 * only, EP − EF = (f − 1) × EF_elec, so the electric part is known without the per-use detail:
 * EP₂₀₂₆ = EP − (f − 1.9) × (EP − EF) / (f − 1). Null when EF is unknown or inconsistent.
 */
export function epWith2026Factor(epM2: number, efM2: number | null, date: string | null): number | null {
  const f = electricityFactorOn(date);
  if (f === ELEC_FACTOR_2026) return epM2;
  if (efM2 === null || efM2 <= 0) return null;
  const elec = Math.max(0, Math.min(efM2, (epM2 - efM2) / (f - 1)));
  return Math.round((epM2 - (f - ELEC_FACTOR_2026) * elec) * 10) / 10;
}

export interface Relabel {
  /** class recomputed from the certificate's own figures and factor */
  computed: DpeClass;
  /** class with the 2026 factor (the original label when the factor changes nothing) */
  with2026: DpeClass;
  ep2026: number | null;
  /** the 2026 factor alone changes the class: a change of method, not of the building */
  methodChange: boolean;
}

/**
 * The certificate's label with the 2026 factor beside the original. Both classes are computed
 * by the same rule from the certificate's figures, so a label that the export rounds or states
 * differently is never mistaken for a change of method.
 */
export function relabel2026(
  label: DpeClass | null,
  epM2: number,
  efM2: number | null,
  gesM2: number | null,
  date: string | null,
  high = false,
): Relabel {
  const computed = dpeClass(epM2, gesM2, high);
  const ep2026 = epWith2026Factor(epM2, efM2, date);
  const new2026 = ep2026 === null ? computed : dpeClass(ep2026, gesM2, high);
  const methodChange = new2026 !== computed;
  return { computed, with2026: methodChange ? new2026 : (label ?? computed), ep2026, methodChange };
}
