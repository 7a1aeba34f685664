/**
 * DPE histories of a building group's dwellings: an old-method certificate now and then, a
 * first 2021-method one, corrections (`numero_dpe_remplace`), renovations with their works,
 * and 2026 re-diagnoses that change only the electricity factor. Built backwards from the
 * group's profile, which is the first dwelling's current state; every certificate obeys the
 * label rules of dpe-rules.ts. The pairs a detector might consider come with their truth.
 */
import { dayOf, isoOf } from './days.js';
import {
  capacityOf,
  currentEquipment,
  elecShareOf,
  emissionFactorOf,
  isAllElectric,
  noParts,
  planWorks,
  undoWorks,
  type DwellingShape,
  type Equipment,
  type Part,
  type PartCounts,
} from './dpe-equipment.js';
import { classRank, classRank2026, efFromEp, epBand, epFromEf, gesBand, round1 } from './dpe-rules.js';
import type { Profile } from './profile.js';
import { Prng, seedOf } from './prng.js';
import type { Group } from './world.js';

/** What one certificate says: figures (per m² and year) and equipment. */
export interface DpeState {
  epM2: number;
  efM2: number;
  gesM2: number;
  /** share of the final energy that is electricity (1: all-electric) */
  elecShare: number;
  eq: Equipment;
}

export interface Dwelling {
  index: number;
  type: 'maison' | 'appartement';
  /** 0 = ground floor; null for a house */
  floor: number | null;
  /** nombre_niveau_logement */
  levels: number;
  /** surface its certificates measure, each within ±2 % */
  surfaceM2: number;
}

export interface Certificate {
  id: string;
  replaces: string | null;
  method2021: boolean;
  date: string;
  received: string;
  surfaceM2: number;
  state: DpeState;
  dwelling: Dwelling;
}

export type DpePairKind = 'renovation' | 'correction' | 'methode';

/** A pair of certificates of one dwelling and what happened between them. */
export interface DpePair {
  kind: DpePairKind;
  before: Certificate;
  after: Certificate;
}

export interface DpeHistory {
  dwellings: Dwelling[];
  /** dwelling by dwelling, each in date order */
  certificates: Certificate[];
  pairs: DpePair[];
  /** the last valid certificate of the first dwelling: the group's profile */
  current: Certificate;
}

/** Ids are derived from group idx × 16 + rank: 7 digits hold scale 2. */
export const MAX_CERTIFICATES_PER_GROUP = 16;

/** Chances per dwelling (renovation: by construction period, ≈ 0.15 over the stock). */
export const DPE_HISTORY = {
  oldMethod: 0.3,
  correction: 0.06,
  renovationBefore2001: 0.2,
  renovation2001to2012: 0.05,
  secondRenovation: 0.25,
  /** of dwellings heated by electricity */
  methodOnly: 0.05,
} as const;

const D = {
  oldFrom: dayOf('2013-01-01'),
  oldTo: dayOf('2021-06-30'),
  first: dayOf('2021-07-01'),
  lastFirst: dayOf('2024-12-31'),
  renovationEnd: dayOf('2025-12-31'),
  methodFrom: dayOf('2026-01-05'),
  methodTo: dayOf('2026-10-31'),
};
const YEAR = 365;
/** Classes gained by a renovation: 1, 2, 3 or 4. */
export const GAIN_WEIGHTS = [45, 35, 15, 5];
/** Any date with the 2.3 factor: the states of certificates before 2026 do not depend on the day. */
const BEFORE_2026 = '2025-01-01';
/** Two apartments of one floor differ by at least this surface ratio (> 12 % even after ±2 %). */
const APART_RATIO = 1.25;

const DPE_DIGITS = 10_000_000;

/**
 * ADEME shape: 2-digit year, 2-character département, 'E', 7 digits, a letter (13 characters).
 * Numbers past the 7 digits (départements with more than 625k groups: 16 numbers each) go on in
 * the letter: n = q × 10⁷ + r is written r and the letter (q + 7r) mod 26 — the same ids as
 * before for n < 10⁷, and one id per number up to 26 × 10⁷ (`dpeNumber` reads it back).
 */
export function dpeId(date: string, dept2: string, n: number): string {
  if (!(Number.isInteger(n) && n >= 0 && n < 26 * DPE_DIGITS))
    throw new Error(`DPE number ${n} does not fit 7 digits and a letter`);
  const r = n % DPE_DIGITS;
  const q = Math.floor(n / DPE_DIGITS);
  return `${date.slice(2, 4)}${dept2}E${String(r).padStart(7, '0')}${String.fromCharCode(65 + ((q + r * 7) % 26))}`;
}

/** The number `dpeId` wrote in an id of its shape, else null. */
export function dpeNumber(id: string): number | null {
  const m = /^\d{2}\w{2}E(\d{7})([A-Z])$/.exec(id);
  if (!m) return null;
  const r = Number(m[1]);
  const q = (((m[2]!.charCodeAt(0) - 65 - r * 7) % 26) + 26) % 26;
  return q * DPE_DIGITS + r;
}

/** kWh EP/m² of a certificate of class `rank` (some G far above, so that EF passes 450: G+). */
export function drawEp(rank: number, rng: Prng): number {
  if (rank === 6 && rng.chance(0.2)) return round1(rng.float(640, 900));
  const [lo, hi] = epBand(rank);
  return round1(rng.float(lo, hi - 0.5));
}

/** Emissions kept at or under class `rank` (so that the energy class decides); above: drawn in its upper half. */
export function capGes(ges: number, rank: number, rng: Prng): number {
  if (rank < 6) {
    const [lo, hi] = gesBand(rank);
    if (ges >= hi - 0.1) return round1(rng.float((lo + hi) / 2, hi - 0.1));
  }
  return round1(Math.max(0.5, ges));
}

const rankOf = (s: DpeState) => classRank(s.epM2, s.gesM2);
/** Class with the 2026 factor of a state dated before 2026. */
const rank2026Of = (s: DpeState) => classRank2026(s.epM2, s.efM2, s.gesM2, BEFORE_2026);

/**
 * The state before a renovation whose result is `after`: the works undone, a class 1 to 4
 * worse, and worse also with the 2026 factor on both sides (so the works, not the factor, make
 * the gain). Null when no such state is found (`after` is G, say).
 */
function stateBefore(
  after: DpeState,
  works: readonly Part[],
  earlier: PartCounts,
  date: string,
  u: number,
  u2: number,
  rng: Prng,
): DpeState | null {
  const rankA = rankOf(after);
  const rank26A = rank2026Of(after);
  for (let attempt = 0; attempt < 8; attempt++) {
    const gain = Math.min(6 - rankA, 1 + rng.index(GAIN_WEIGHTS));
    if (gain < 1) return null;
    const eq = undoWorks(after.eq, works, earlier, u, rng);
    const elecShare = elecShareOf(eq, u2);
    const epM2 = drawEp(rankA + gain, rng);
    const efM2 = efFromEp(epM2, elecShare, date);
    const perKwh =
      eq.heatingEnergy === after.eq.heatingEnergy
        ? after.gesM2 / after.efM2
        : emissionFactorOf(eq, elecShare);
    const s: DpeState = { epM2, efM2, gesM2: capGes(perKwh * efM2, rankA + gain, rng), elecShare, eq };
    const got = rankOf(s) - rankA;
    if (got >= 1 && got <= 4 && rank2026Of(s) > rank26A) return s;
  }
  return null;
}

/** A draft that a correction replaced (before 2026): same class or one worse than the correction. */
function draftBefore(c: DpeState, rng: Prng): DpeState {
  const rank = rankOf(c);
  let epM2: number;
  let gesM2: number;
  if (rank < 6 && rng.chance(0.5)) {
    const [lo, hi] = epBand(rank + 1);
    epM2 = round1(rng.float(lo, lo + 0.3 * (hi - lo)));
    gesM2 = capGes((c.gesM2 * epM2) / c.epM2, rank + 1, rng);
  } else {
    const k = rng.float(1, 1.06);
    epM2 = rank < 6 ? round1(Math.min(c.epM2 * k, epBand(rank)[1] - 0.1)) : round1(c.epM2 * k);
    gesM2 = capGes((c.gesM2 * epM2) / c.epM2, rank, rng);
  }
  return { ...c, epM2, gesM2, efM2: efFromEp(epM2, c.elecShare, BEFORE_2026) };
}

/** An old-method certificate (before July 2021): the first 2021 one's equipment, often a worse class. */
function oldBefore(first: DpeState, rng: Prng): DpeState {
  const rank = rankOf(first);
  const target = Math.min(6, rank + rng.index([25, 55, 20]));
  const epM2 = target === rank ? round1(first.epM2 * rng.float(0.93, 1)) : drawEp(target, rng);
  const efM2 = efFromEp(epM2, first.elecShare, BEFORE_2026);
  return { ...first, epM2, efM2, gesM2: capGes((first.gesM2 / first.efM2) * efM2, target, rng) };
}

interface Entry {
  day: number;
  state: DpeState;
  method2021: boolean;
  replaces?: Entry;
  replaced?: boolean;
  kind?: 'renovation' | 'methode';
}

/** One dwelling's certificates in date order, the last valid one in state `now`. */
function timeline(
  shape: DwellingShape,
  now: { epM2: number; gesM2: number },
  budget: number,
  rng: Prng,
): Entry[] {
  const year = shape.year;
  let hasOld = year < 2021 && rng.chance(DPE_HISTORY.oldMethod);
  const pReno =
    year < 2001 ? DPE_HISTORY.renovationBefore2001 : year < 2013 ? DPE_HISTORY.renovation2001to2012 : 0;
  let nReno = rng.chance(pReno) ? (rng.chance(DPE_HISTORY.secondRenovation) ? 2 : 1) : 0;
  let hasMethod = isAllElectric(shape.heatingEnergy) && rng.chance(DPE_HISTORY.methodOnly);
  let corrected = rng.chance(DPE_HISTORY.correction);
  const count = () => 1 + Number(hasOld) + nReno + Number(hasMethod) + Number(corrected);
  while (count() > budget) {
    if (hasOld) hasOld = false;
    else if (hasMethod) hasMethod = false;
    else if (corrected) corrected = false;
    else if (nReno > 0) nReno--;
    else break;
  }
  const works = planWorks(nReno, capacityOf(shape), rng);
  const needs = noParts();
  for (const w of works) for (const p of w) needs[p]++;
  const eqNow = currentEquipment(shape, needs, rng);

  // states, backwards from now (every 2021 certificate before 2026 has the same factor)
  const u2 = rng.next();
  const elecShare = elecShareOf(eqNow, u2);
  const methodDay = hasMethod ? rng.int(D.methodFrom, D.methodTo) : null;
  const nowDate = methodDay === null ? BEFORE_2026 : isoOf(methodDay);
  const current: DpeState = { ...now, elecShare, eq: eqNow, efM2: efFromEp(now.epM2, elecShare, nowDate) };
  // the re-diagnosis keeps EF and equipment; the certificate before it used the 2.3 factor
  const newest = hasMethod ? { ...current, epM2: epFromEf(current.efM2, elecShare, BEFORE_2026) } : current;
  const states: DpeState[] = [newest];
  for (let i = works.length - 1; i >= 0; i--) {
    const earlier = noParts();
    for (const w of works.slice(0, i)) for (const p of w) earlier[p]++;
    const before = stateBefore(states[0]!, works[i]!, earlier, BEFORE_2026, shape.u, u2, rng);
    if (before) states.unshift(before); // else no worse state fits: no such renovation
  }
  nReno = states.length - 1;

  // dates: the first 2021 certificate, renovations 1–3 years apart, a 2026 re-diagnosis
  const correctedSlot = corrected ? rng.int(0, nReno) : -1;
  const minFirst = Math.max(
    D.first + (correctedSlot === 0 ? 60 : 0),
    year >= 2021 ? dayOf(`${year + 1}-01-01`) : 0,
  );
  const maxFirst = Math.min(D.lastFirst, D.renovationEnd - YEAR * nReno);
  const days = [rng.int(minFirst, Math.max(minFirst, maxFirst))];
  for (let i = 1; i <= nReno; i++)
    days.push(Math.min(days[i - 1]! + rng.int(YEAR, 3 * YEAR), D.renovationEnd - YEAR * (nReno - i)));

  const out: Entry[] = [];
  if (hasOld) {
    const from = Math.max(D.oldFrom, dayOf(`${year + 1}-01-01`));
    const day = rng.int(Math.min(from, D.oldTo), D.oldTo);
    out.push({ day, state: oldBefore(states[0]!, rng), method2021: false });
  }
  for (let i = 0; i <= nReno; i++) {
    const s = states[i]!;
    const e: Entry = { day: days[i]!, state: s, method2021: true };
    if (i > 0) e.kind = 'renovation';
    if (i === correctedSlot) {
      const day = days[i]! - rng.int(1, 60);
      const draft: Entry = { day, state: draftBefore(s, rng), method2021: true, replaced: true };
      out.push(draft);
      e.replaces = draft;
    }
    out.push(e);
  }
  if (methodDay !== null) out.push({ day: methodDay, state: current, method2021: true, kind: 'methode' });
  return out;
}

function dwellingsOf(g: Group, p: Profile, rng: Prng): Dwelling[] {
  if (!g.collective)
    return [{ index: 0, type: 'maison', floor: null, levels: p.levels, surfaceM2: p.surfaceHabitable }];
  const out: Dwelling[] = [];
  const mean = p.surfaceHabitable / Math.max(1, p.dwellings);
  const apart = (a: number, b: number) => Math.max(a, b) / Math.min(a, b) >= APART_RATIO;
  for (let index = 0; index < p.dpeCount; index++) {
    let floor = 0;
    let surfaceM2 = 0;
    for (let attempt = 0; ; attempt++) {
      floor = rng.int(0, p.levels - 1);
      surfaceM2 = round1(mean * rng.float(0.7, 1.3));
      const sameFloor = out.filter((d) => d.floor === floor).map((d) => d.surfaceM2);
      if (sameFloor.every((s) => apart(s, surfaceM2))) break;
      if (attempt === 4) {
        surfaceM2 = round1(Math.max(...sameFloor) * 1.3);
        break;
      }
    }
    out.push({ index, type: 'appartement', floor, levels: 1, surfaceM2 });
  }
  return out;
}

/** The current figures of another apartment of the group: near the first one's. */
function neighbourNow(p: Profile, rng: Prng): { epM2: number; gesM2: number } {
  const k = rng.float(0.85, 1.2);
  return {
    epM2: round1(Math.min(640, Math.max(40, p.consoEp * k))),
    gesM2: round1(Math.max(0.5, p.ges * k * rng.float(0.9, 1.1))),
  };
}

/** The DPE history of a group with `hasDpe` (same group, profile and seed: same history). */
export function dpeHistoryOf(g: Group, p: Profile, seed: number): DpeHistory {
  const rng = new Prng(seedOf(g.id, seed), 2);
  const dwellings = dwellingsOf(g, p, rng);
  const dept2 = g.commune.code.slice(0, 2);
  const certificates: Certificate[] = [];
  const pairs: DpePair[] = [];
  let current: Certificate | null = null;
  for (const d of dwellings) {
    const now = d.index === 0 ? { epM2: p.consoEp, gesM2: p.ges } : neighbourNow(p, rng);
    const shape: DwellingShape = {
      heatingEnergy: p.heatingEnergy,
      year: p.year,
      individualHeating: p.installation === 'individuel',
      hasFloor: d.floor === null || d.floor === 0,
      hasRoof: d.floor === null || d.floor === p.levels - 1,
      u: rng.next(),
    };
    const budget = MAX_CERTIFICATES_PER_GROUP - certificates.length - (dwellings.length - d.index - 1);
    const certOf = new Map<Entry, Certificate>();
    let lastValid: Certificate | null = null;
    for (const e of timeline(shape, now, budget, rng)) {
      const date = isoOf(e.day);
      const c: Certificate = {
        id: dpeId(date, dept2, g.idx * MAX_CERTIFICATES_PER_GROUP + certificates.length),
        replaces: e.replaces ? certOf.get(e.replaces)!.id : null,
        method2021: e.method2021,
        date,
        received: isoOf(e.day + (rng.chance(0.5) ? 0 : rng.int(1, 10))),
        surfaceM2: round1(d.surfaceM2 * rng.float(0.98, 1.02)),
        state: e.state,
        dwelling: d,
      };
      certOf.set(e, c);
      certificates.push(c);
      if (e.replaces) pairs.push({ kind: 'correction', before: certOf.get(e.replaces)!, after: c });
      if (e.kind && !e.replaced && lastValid) pairs.push({ kind: e.kind, before: lastValid, after: c });
      if (e.method2021 && !e.replaced) lastValid = c;
    }
    if (d.index === 0) current = lastValid;
  }
  return { dwellings, certificates, pairs, current: current! };
}

const cache = new WeakMap<Profile, { seed: number; history: DpeHistory }>();

/** `dpeHistoryOf`, once per profile object (the tables and the ground truth share it). */
export function cachedDpeHistory(g: Group, p: Profile, seed: number): DpeHistory {
  const hit = cache.get(p);
  if (hit && hit.seed === seed) return hit.history;
  const history = dpeHistoryOf(g, p, seed);
  cache.set(p, { seed, history });
  return history;
}
