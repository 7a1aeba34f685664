/**
 * A building's yearly energy bills → kWh final, kWh primary/m², climate-corrected heating, €, CO₂
 * and an estimated DPE-style label (issue 8; facts from domain.md §4). Pure: no database.
 */
import { dpeClass, ELEC_FACTOR_2021, ELEC_FACTOR_2026, type DpeClass } from '../renovation/dpe-class.js';

export const USES = ['chauffage', 'ecs', 'electricite_communs'] as const;
export type Use = (typeof USES)[number];
export const USE_LABELS: Record<Use, string> = {
  chauffage: 'chauffage',
  ecs: 'eau chaude sanitaire',
  electricite_communs: 'électricité des parties communes',
};

export const ENERGIES = [
  'gaz',
  'fioul',
  'electricite',
  'reseau_chaleur',
  'bois_buches',
  'bois_granules',
  'bois_plaquettes',
  'gpl',
  'charbon',
] as const;
export type Energy = (typeof ENERGIES)[number];

export const UNITS = ['kWh', 'MWh', 'kWh_PCS', 'MWh_PCS', 'm3', 'L', 'kg', 't', 'stere'] as const;
export type Unit = (typeof UNITS)[number];

/** Gas: m³ × 12.91 → kWh PCS; kWh PCS ÷ 1.11 → kWh PCI (the final energy of the DPE). */
export const GAS_KWH_PCS_PER_M3 = 12.91;
export const GAS_PCS_PER_PCI = 1.11;
export const FUEL_OIL_KWH_PER_L = 9.97;
export const PROPANE_KWH_PER_KG = 13.8;
export const PELLETS_KWH_PER_T = 4600;
export const LOGS_KWH_PER_STERE = 1680;

/** kWh final (PCI) per unit of the bill, per energy; a unit missing here is refused. */
const KWH_PER_UNIT: Record<Energy, Partial<Record<Unit, number>>> = {
  gaz: {
    kWh: 1,
    MWh: 1000,
    kWh_PCS: 1 / GAS_PCS_PER_PCI,
    MWh_PCS: 1000 / GAS_PCS_PER_PCI,
    m3: GAS_KWH_PCS_PER_M3 / GAS_PCS_PER_PCI,
  },
  fioul: { kWh: 1, MWh: 1000, L: FUEL_OIL_KWH_PER_L },
  electricite: { kWh: 1, MWh: 1000 },
  reseau_chaleur: { kWh: 1, MWh: 1000 },
  bois_buches: { kWh: 1, MWh: 1000, stere: LOGS_KWH_PER_STERE },
  bois_granules: { kWh: 1, MWh: 1000, t: PELLETS_KWH_PER_T, kg: PELLETS_KWH_PER_T / 1000 },
  bois_plaquettes: { kWh: 1, MWh: 1000 },
  gpl: { kWh: 1, MWh: 1000, kg: PROPANE_KWH_PER_KG, t: PROPANE_KWH_PER_KG * 1000 },
  charbon: { kWh: 1, MWh: 1000 },
};

export function unitsOf(energy: Energy): Unit[] {
  return Object.keys(KWH_PER_UNIT[energy]) as Unit[];
}

/** kgCO₂ per kWh final (arrêté du 31 mars 2021, domain.md §4). */
const CO2_PER_KWH: Record<Exclude<Energy, 'electricite' | 'reseau_chaleur'>, number> = {
  gaz: 0.227,
  fioul: 0.324,
  gpl: 0.272,
  charbon: 0.385,
  bois_buches: 0.03,
  bois_granules: 0.03,
  bois_plaquettes: 0.024,
};
/** Electricity by use: heating 0.079, hot water 0.065, common areas (auxiliaries, lighting) 0.064. */
const ELEC_CO2_PER_KWH: Record<Use, number> = { chauffage: 0.079, ecs: 0.065, electricite_communs: 0.064 };
export const HEAT_NETWORK_DEFAULT_CO2 = 0.385;

/** The primary-energy factor of electricity under the rule in force in `year` (2.3 → 1.9 in 2026). */
export function electricityFactorOfYear(year: number): number {
  return year >= 2026 ? ELEC_FACTOR_2026 : ELEC_FACTOR_2021;
}

export class EnergyInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** A bill line as entered: one year, one use, one energy, its cost and quantity. */
export interface BillInput {
  year: number;
  use: string;
  energy: string;
  quantity: number;
  unit: string;
  amount_eur: number;
  comment?: string;
}

export interface Bill extends BillInput {
  use: Use;
  energy: Energy;
  unit: Unit;
  kwh_final: number;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

const PARIS_DAY = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
/** The date in metropolitan France (YYYY-MM-DD): what « today » means to the users. */
export function parisDate(now = new Date()): string {
  return PARIS_DAY.format(now);
}

/** Checks a bill line and converts its quantity to kWh final; errors name the field (`bills[2].unit`). */
export function validateBill(b: BillInput, at: string, today = new Date()): Bill {
  const thisYear = Number(parisDate(today).slice(0, 4));
  if (typeof b !== 'object' || b === null) throw new EnergyInputError(at, 'expected a bill line object');
  if (!Number.isInteger(b.year) || b.year < 1990)
    throw new EnergyInputError(`${at}.year`, `expected a year from 1990, got ${String(b.year)}`);
  if (b.year > thisYear)
    throw new EnergyInputError(`${at}.year`, `${b.year} is in the future (this is ${thisYear})`);
  if (!(USES as readonly string[]).includes(b.use))
    throw new EnergyInputError(`${at}.use`, `unknown use "${b.use}"; expected one of ${USES.join(', ')}`);
  if (!(ENERGIES as readonly string[]).includes(b.energy))
    throw new EnergyInputError(
      `${at}.energy`,
      `unknown energy "${b.energy}"; expected one of ${ENERGIES.join(', ')}`,
    );
  const energy = b.energy as Energy;
  const use = b.use as Use;
  if (use === 'electricite_communs' && energy !== 'electricite')
    throw new EnergyInputError(
      `${at}.energy`,
      `common-area electricity must be "electricite", got "${energy}"`,
    );
  const perUnit = KWH_PER_UNIT[energy][b.unit as Unit];
  if (perUnit === undefined)
    throw new EnergyInputError(
      `${at}.unit`,
      `unit "${b.unit}" is not accepted for ${energy}; expected one of ${unitsOf(energy).join(', ')}`,
    );
  if (!isNum(b.quantity) || b.quantity < 0)
    throw new EnergyInputError(`${at}.quantity`, `expected a number ≥ 0, got ${String(b.quantity)}`);
  if (!isNum(b.amount_eur) || b.amount_eur < 0)
    throw new EnergyInputError(`${at}.amount_eur`, `expected an amount ≥ 0, got ${String(b.amount_eur)}`);
  return { ...b, use, energy, unit: b.unit as Unit, kwh_final: b.quantity * perUnit };
}

/** Degree days of a year and the département's reference, when known. */
export interface YearDegreeDays {
  dju_year: number | null;
  dju_reference: number | null;
  source_year?: string;
  source_reference?: string;
}

export interface YearContext {
  surface_m2: number;
  /** kgCO₂/kWh of the heat network the building is connected to (else the default 0.385). */
  network_co2?: number | null;
  dju?: YearDegreeDays;
  /** Above 800 m in H1b/H1c/H2d: the wider E and F bounds. */
  high_altitude?: boolean;
}

export interface EnergyYear {
  year: number;
  surface_m2: number;
  uses: Use[];
  kwh_final: number;
  kwh_final_by_use: Record<Use, number>;
  kwh_final_by_energy: Partial<Record<Energy, number>>;
  electricity_factor: number;
  kwh_ep: number;
  kwh_ep_m2: number;
  kwh_ep_m2_factor_2_3: number;
  kwh_ep_m2_factor_1_9: number;
  climate: {
    dju_year: number | null;
    dju_reference: number | null;
    ratio: number | null;
    /** why there is no correction, when there is none */
    missing: string | null;
    kwh_final_chauffage_corrige: number | null;
    kwh_final_corrige: number | null;
    kwh_ep_m2_corrige: number | null;
  };
  eur: number;
  eur_m2: number;
  co2_kg: number;
  co2_kg_m2: number;
  /** from the climate-corrected values when degree days are known, else the raw ones */
  label_estime: DpeClass;
  label_basis: 'corrige' | 'brut';
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

function co2Factor(bill: Bill, networkCo2: number | null | undefined): number {
  if (bill.energy === 'electricite') return ELEC_CO2_PER_KWH[bill.use];
  if (bill.energy === 'reseau_chaleur') return networkCo2 ?? HEAT_NETWORK_DEFAULT_CO2;
  return CO2_PER_KWH[bill.energy];
}

/** One year's figures from its bill lines (every line must be of that year). */
export function computeYear(year: number, bills: readonly Bill[], ctx: YearContext): EnergyYear {
  const s = ctx.surface_m2;
  const byUse: Record<Use, number> = { chauffage: 0, ecs: 0, electricite_communs: 0 };
  const byEnergy: Partial<Record<Energy, number>> = {};
  const fYear = electricityFactorOfYear(year);
  let ep = 0;
  let ep23 = 0;
  let ep19 = 0;
  let epHeating = 0;
  let eur = 0;
  let co2 = 0;
  let co2Heating = 0;
  for (const b of bills) {
    byUse[b.use] += b.kwh_final;
    byEnergy[b.energy] = (byEnergy[b.energy] ?? 0) + b.kwh_final;
    const elec = b.energy === 'electricite';
    ep += b.kwh_final * (elec ? fYear : 1);
    ep23 += b.kwh_final * (elec ? ELEC_FACTOR_2021 : 1);
    ep19 += b.kwh_final * (elec ? ELEC_FACTOR_2026 : 1);
    if (b.use === 'chauffage') epHeating += b.kwh_final * (elec ? fYear : 1);
    eur += b.amount_eur;
    const c = b.kwh_final * co2Factor(b, ctx.network_co2);
    co2 += c;
    if (b.use === 'chauffage') co2Heating += c;
  }
  const kwhFinal = byUse.chauffage + byUse.ecs + byUse.electricite_communs;
  const dju = ctx.dju ?? { dju_year: null, dju_reference: null };
  const missing =
    dju.dju_year === null
      ? `degrés-jours de ${year} inconnus pour ce département`
      : dju.dju_reference === null
        ? 'degrés-jours de référence inconnus pour ce département'
        : null;
  const ratio = missing === null ? dju.dju_reference! / dju.dju_year! : null;
  // only heating follows the weather; hot water and common electricity are kept as they are
  const heatingCorr = ratio === null ? null : byUse.chauffage * ratio;
  const epCorr = ratio === null ? null : ep - epHeating + epHeating * ratio;
  const co2Corr = ratio === null ? null : co2 - co2Heating + co2Heating * ratio;
  const basis = epCorr === null ? 'brut' : 'corrige';
  const label = dpeClass((epCorr ?? ep) / s, (co2Corr ?? co2) / s, ctx.high_altitude ?? false);
  return {
    year,
    surface_m2: s,
    uses: USES.filter((u) => bills.some((b) => b.use === u)),
    kwh_final: r1(kwhFinal),
    kwh_final_by_use: {
      chauffage: r1(byUse.chauffage),
      ecs: r1(byUse.ecs),
      electricite_communs: r1(byUse.electricite_communs),
    },
    kwh_final_by_energy: Object.fromEntries(Object.entries(byEnergy).map(([k, v]) => [k, r1(v)])),
    electricity_factor: fYear,
    kwh_ep: r1(ep),
    kwh_ep_m2: r1(ep / s),
    kwh_ep_m2_factor_2_3: r1(ep23 / s),
    kwh_ep_m2_factor_1_9: r1(ep19 / s),
    climate: {
      dju_year: dju.dju_year,
      dju_reference: dju.dju_reference,
      ratio: ratio === null ? null : Math.round(ratio * 10000) / 10000,
      missing,
      kwh_final_chauffage_corrige: heatingCorr === null ? null : r1(heatingCorr),
      kwh_final_corrige: heatingCorr === null ? null : r1(kwhFinal - byUse.chauffage + heatingCorr),
      kwh_ep_m2_corrige: epCorr === null ? null : r1(epCorr / s),
    },
    eur: r2(eur),
    eur_m2: r2(eur / s),
    co2_kg: r1(co2),
    co2_kg_m2: r1(co2 / s),
    label_estime: label,
    label_basis: basis,
  };
}

/** Every year of a record, oldest first. */
export function computeYears(bills: readonly Bill[], ctx: (year: number) => YearContext): EnergyYear[] {
  const years = [...new Set(bills.map((b) => b.year))].sort((a, b) => a - b);
  return years.map((y) =>
    computeYear(
      y,
      bills.filter((b) => b.year === y),
      ctx(y),
    ),
  );
}

export interface BeforeAfter {
  works_date: string;
  works_label: string;
  source: 'travaux saisis' | 'projet' | 'DPE (rénovation détectée)';
  before_years: number[];
  after_years: number[];
  /** climate-corrected when every compared year has degree days, else raw */
  basis: 'corrige' | 'brut';
  kwh_final_before: number | null;
  kwh_final_after: number | null;
  kwh_ep_m2_before: number | null;
  kwh_ep_m2_after: number | null;
  kwh_saved_per_year: number | null;
  saving_pct: number | null;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Years strictly before the works' year against years strictly after (the works year is mixed). */
export function beforeAfter(
  years: readonly EnergyYear[],
  works: { date: string; label: string; source: BeforeAfter['source'] },
): BeforeAfter {
  const wy = Number(works.date.slice(0, 4));
  const before = years.filter((y) => y.year < wy);
  const after = years.filter((y) => y.year > wy);
  const both = [...before, ...after];
  const corr = both.length > 0 && both.every((y) => y.climate.kwh_final_corrige !== null);
  const kwh = (y: EnergyYear) => (corr ? y.climate.kwh_final_corrige! : y.kwh_final);
  const epm2 = (y: EnergyYear) => (corr ? y.climate.kwh_ep_m2_corrige! : y.kwh_ep_m2);
  const kb = mean(before.map(kwh));
  const ka = mean(after.map(kwh));
  const saved = kb !== null && ka !== null ? kb - ka : null;
  const eb = mean(before.map(epm2));
  const ea = mean(after.map(epm2));
  return {
    works_date: works.date,
    works_label: works.label,
    source: works.source,
    before_years: before.map((y) => y.year),
    after_years: after.map((y) => y.year),
    basis: corr ? 'corrige' : 'brut',
    kwh_final_before: kb === null ? null : r1(kb),
    kwh_final_after: ka === null ? null : r1(ka),
    kwh_ep_m2_before: eb === null ? null : r1(eb),
    kwh_ep_m2_after: ea === null ? null : r1(ea),
    kwh_saved_per_year: saved === null ? null : r1(saved),
    saving_pct: saved === null || !kb ? null : r1((100 * saved) / kb),
  };
}

export const YEAR_CSV_COLUMNS = [
  'annee',
  'surface_chauffee_m2',
  'kwh_ef_total',
  'kwh_ef_chauffage',
  'kwh_ef_ecs',
  'kwh_ef_electricite_communs',
  'facteur_electricite',
  'kwh_ep',
  'kwh_ep_m2',
  'kwh_ep_m2_facteur_2_3',
  'kwh_ep_m2_facteur_1_9',
  'dju_annee',
  'dju_reference',
  'kwh_ef_chauffage_corrige',
  'kwh_ef_corrige',
  'kwh_ep_m2_corrige',
  'euros',
  'euros_m2',
  'co2_kg',
  'co2_kg_m2',
  'etiquette_estimee',
] as const;

/** The yearly table as CSV (`;`, decimal point, UTF-8 with BOM for spreadsheets). */
export function yearsCsv(years: readonly EnergyYear[]): string {
  const v = (x: number | null) => (x === null ? '' : String(x));
  const lines = years.map((y) =>
    [
      y.year,
      y.surface_m2,
      y.kwh_final,
      y.kwh_final_by_use.chauffage,
      y.kwh_final_by_use.ecs,
      y.kwh_final_by_use.electricite_communs,
      y.electricity_factor,
      y.kwh_ep,
      y.kwh_ep_m2,
      y.kwh_ep_m2_factor_2_3,
      y.kwh_ep_m2_factor_1_9,
      v(y.climate.dju_year),
      v(y.climate.dju_reference),
      v(y.climate.kwh_final_chauffage_corrige),
      v(y.climate.kwh_final_corrige),
      v(y.climate.kwh_ep_m2_corrige),
      y.eur,
      y.eur_m2,
      y.co2_kg,
      y.co2_kg_m2,
      y.label_estime,
    ].join(';'),
  );
  return `\ufeff${[YEAR_CSV_COLUMNS.join(';'), ...lines].join('\r\n')}\r\n`;
}
