/**
 * What a DPE certificate says the dwelling is equipped with, and how works change it: heating,
 * hot water, insulation of walls, floor and roof, glazing and ventilation. The insulation,
 * glazing and ventilation values climb ladders (works move a step or more up); heating works
 * replace an old generator by a modern one, sometimes of another energy (fuel oil → heat pump).
 */
import type { Prng } from './prng.js';

export interface Equipment {
  heatingEnergy: string;
  heatingGenerator: string;
  ecsEnergy: string;
  ecsGenerator: string;
  wall: string;
  /** null for an apartment above the ground floor (no floor on the ground) */
  floor: string | null;
  /** null for an apartment below the top floor (no roof) */
  roof: string | null;
  glazing: string;
  joinery: string;
  ventilation: string;
}

export const LADDERS = {
  wall: ['non isolé', 'isolé ITI', 'isolé ITE'],
  floor: ['non isolé', 'isolé'],
  roof: ['non isolé', 'isolé'],
  glazing: ['simple vitrage', 'double vitrage', 'triple vitrage'],
  ventilation: [
    'ventilation naturelle',
    'VMC simple flux',
    'VMC simple flux hygroréglable',
    'VMC double flux',
  ],
} as const;
type LadderPart = keyof typeof LADDERS;
export type Part = 'heating' | LadderPart;
export const PARTS: readonly Part[] = ['heating', 'wall', 'floor', 'roof', 'glazing', 'ventilation'];
export type PartCounts = Record<Part, number>;
export const noParts = (): PartCounts => ({
  heating: 0,
  wall: 0,
  floor: 0,
  roof: 0,
  glazing: 0,
  ventilation: 0,
});

/** Level weights of a dwelling nobody has worked on, by era: before 1975, 1975–2000, after. */
const LEVEL_WEIGHTS: Record<LadderPart, number[][]> = {
  wall: [
    [70, 25, 5],
    [20, 70, 10],
    [2, 78, 20],
  ],
  floor: [
    [70, 30],
    [30, 70],
    [5, 95],
  ],
  roof: [
    [60, 40],
    [25, 75],
    [5, 95],
  ],
  glazing: [
    [35, 60, 5],
    [10, 85, 5],
    [0, 85, 15],
  ],
  ventilation: [
    [60, 30, 8, 2],
    [20, 60, 15, 5],
    [2, 40, 40, 18],
  ],
};

/** How likely a renovation includes each kind of works. */
const WORK_CHANCE: PartCounts = {
  heating: 0.55,
  wall: 0.45,
  floor: 0.15,
  roof: 0.4,
  glazing: 0.4,
  ventilation: 0.3,
};

/** Generators of a dwelling nobody has worked on, by energy (BDNB / ADEME wording). */
const TYPICAL_GENERATORS: Record<string, Record<string, number>> = {
  electricite: { 'convecteur électrique': 6, 'panneaux rayonnants': 3, 'pac air/eau': 1 },
  'gaz naturel': { 'chaudière gaz standard': 5, 'chaudière gaz condensation': 5 },
  fioul: { 'chaudière fioul': 8, 'chaudière fioul condensation': 2 },
  bois: { 'poêle à bois': 5, 'chaudière bois': 3, 'poêle à granulés': 2 },
  GPL: { 'chaudière gpl': 1 },
  'pompe a chaleur': { 'pac air/eau': 7, 'pac air/air': 3 },
  'reseau de chaleur': { 'réseau de chaleur': 1 },
};
/** What heating works install, by energy. */
const MODERN_GENERATOR: Record<string, string> = {
  electricite: 'pac air/eau',
  'gaz naturel': 'chaudière gaz condensation',
  fioul: 'chaudière fioul condensation',
  bois: 'poêle à granulés',
  GPL: 'chaudière gpl condensation',
  'pompe a chaleur': 'pac air/eau',
  'reseau de chaleur': 'réseau de chaleur',
};
/** What heating works replaced, by the energy after them: `energy|generator` → weight. */
const REPLACED_HEATING: Record<string, Record<string, number>> = {
  electricite: {
    'fioul|chaudière fioul': 4,
    'electricite|convecteur électrique': 4,
    'GPL|chaudière gpl': 1,
    'gaz naturel|chaudière gaz standard': 1,
  },
  'pompe a chaleur': {
    'fioul|chaudière fioul': 5,
    'electricite|convecteur électrique': 3,
    'GPL|chaudière gpl': 2,
  },
  'gaz naturel': { 'gaz naturel|chaudière gaz standard': 6, 'fioul|chaudière fioul': 4 },
  fioul: { 'fioul|chaudière fioul': 1 },
  bois: { 'fioul|chaudière fioul': 4, 'bois|poêle à bois': 4, 'electricite|convecteur électrique': 2 },
  GPL: { 'GPL|chaudière gpl': 1 },
  'reseau de chaleur': { 'gaz naturel|chaudière gaz standard': 7, 'fioul|chaudière fioul': 3 },
};

/** kg CO₂ per kWh of final energy (domain.md §4). */
const EMISSION_FACTOR: Record<string, number> = {
  'gaz naturel': 0.227,
  fioul: 0.324,
  GPL: 0.272,
  bois: 0.03,
  electricite: 0.079,
  'pompe a chaleur': 0.079,
  'reseau de chaleur': 0.385,
};
const ELEC_ECS_FACTOR = 0.065;

const ALL_ELECTRIC = new Set(['electricite', 'pompe a chaleur']);
export const isAllElectric = (heatingEnergy: string) => ALL_ELECTRIC.has(heatingEnergy);

const eraOf = (year: number) => (year < 1975 ? 0 : year < 2001 ? 1 : 2);

function joineryFor(glazing: string, rng: Prng): string {
  if (glazing === 'simple vitrage') return 'bois';
  if (glazing === 'triple vitrage') return rng.pick(['PVC', 'bois-aluminium']);
  return rng.pick(['PVC', 'PVC', 'bois', 'aluminium']);
}

/** Hot water follows heating: `u` (0…1, one per dwelling) decides between a shared boiler and a tank. */
export function ecsFor(heatingEnergy: string, heatingGenerator: string, u: number): [string, string] {
  if (isAllElectric(heatingEnergy))
    return [
      'electricite',
      heatingGenerator.startsWith('pac') && u < 0.4 ? 'chauffe-eau thermodynamique' : 'ballon électrique',
    ];
  if (heatingEnergy === 'reseau de chaleur') return ['reseau de chaleur', 'réseau de chaleur'];
  const shared = { 'gaz naturel': 0.8, fioul: 0.6, GPL: 0.6 }[heatingEnergy] ?? 0;
  return u < shared ? [heatingEnergy, heatingGenerator] : ['electricite', 'ballon électrique'];
}

/** Share of final energy that is electricity: all of it when heated by electricity, else lighting, auxiliaries, maybe hot water. */
export function elecShareOf(eq: Equipment, u: number): number {
  if (isAllElectric(eq.heatingEnergy)) return 1;
  return eq.ecsEnergy === 'electricite' ? 0.25 + 0.1 * u : 0.1 + 0.05 * u;
}

/** kg CO₂ per kWh EF of the equipment (physical factors), for a state whose energy changed. */
export function emissionFactorOf(eq: Equipment, elecShare: number): number {
  const heat = EMISSION_FACTOR[eq.heatingEnergy] ?? 0.2;
  return (1 - elecShare) * heat + elecShare * (isAllElectric(eq.heatingEnergy) ? heat : ELEC_ECS_FACTOR);
}

export interface DwellingShape {
  heatingEnergy: string;
  year: number;
  individualHeating: boolean;
  hasFloor: boolean;
  hasRoof: boolean;
  /** 0…1, fixed per dwelling: hot-water choice */
  u: number;
}

/** How many renovations each part of this dwelling can take (ladder steps; heating once). */
export function capacityOf(d: DwellingShape): PartCounts {
  return {
    heating: d.individualHeating ? 1 : 0,
    wall: 2,
    floor: d.hasFloor ? 1 : 0,
    roof: d.hasRoof ? 1 : 0,
    glazing: 2,
    ventilation: 3,
  };
}

/** The works of `n` successive renovations (oldest first), within the dwelling's capacity. */
export function planWorks(n: number, capacity: PartCounts, rng: Prng): Part[][] {
  const used = noParts();
  const plan: Part[][] = [];
  for (let i = 0; i < n; i++) {
    const open = PARTS.filter((p) => used[p] < capacity[p]);
    if (!open.length) break;
    const works = chooseWorks(open, rng);
    for (const p of works) used[p]++;
    plan.push(works);
  }
  return plan;
}

/** The current equipment: what the era gives, raised where later works must be undone. */
export function currentEquipment(d: DwellingShape, needs: PartCounts, rng: Prng): Equipment {
  const era = eraOf(d.year);
  const level = (p: LadderPart) => LADDERS[p][Math.max(needs[p], rng.index(LEVEL_WEIGHTS[p][era]!))]!;
  const heatingGenerator =
    needs.heating > 0
      ? MODERN_GENERATOR[d.heatingEnergy]!
      : rng.weighted(TYPICAL_GENERATORS[d.heatingEnergy] ?? { 'chaudière gaz standard': 1 });
  const [ecsEnergy, ecsGenerator] = ecsFor(d.heatingEnergy, heatingGenerator, d.u);
  const glazing = level('glazing');
  return {
    heatingEnergy: d.heatingEnergy,
    heatingGenerator,
    ecsEnergy,
    ecsGenerator,
    wall: level('wall'),
    floor: d.hasFloor ? level('floor') : null,
    roof: d.hasRoof ? level('roof') : null,
    glazing,
    joinery: joineryFor(glazing, rng),
    ventilation: level('ventilation'),
  };
}

const ladderIndex = (p: LadderPart, v: string | null) =>
  v === null ? -1 : (LADDERS[p] as readonly string[]).indexOf(v);

/**
 * The equipment before `works`: each worked part a step or more down, keeping `earlier[part]`
 * steps for the renovations before this one.
 */
export function undoWorks(
  eq: Equipment,
  works: readonly Part[],
  earlier: PartCounts,
  u: number,
  rng: Prng,
): Equipment {
  const out = { ...eq };
  for (const p of works) {
    if (p === 'heating') {
      const [energy, generator] = rng
        .weighted(REPLACED_HEATING[eq.heatingEnergy] ?? { 'fioul|chaudière fioul': 1 })
        .split('|') as [string, string];
      out.heatingEnergy = energy;
      out.heatingGenerator = generator;
      [out.ecsEnergy, out.ecsGenerator] = ecsFor(energy, generator, u);
      continue;
    }
    const at = ladderIndex(p, eq[p]);
    if (at <= earlier[p]) continue;
    out[p] = LADDERS[p][rng.int(earlier[p], at - 1)]!;
    if (p === 'glazing') out.joinery = joineryFor(out.glazing, rng);
  }
  return out;
}

/** Parts works could still improve (heating only for individual heating with an old generator). */
export function improvableParts(eq: Equipment, individualHeating: boolean): Part[] {
  const out: Part[] = [];
  if (
    individualHeating &&
    eq.heatingEnergy !== 'reseau de chaleur' &&
    MODERN_GENERATOR[eq.heatingEnergy] !== undefined &&
    eq.heatingGenerator !== MODERN_GENERATOR[eq.heatingEnergy]
  )
    out.push('heating');
  for (const p of Object.keys(LADDERS) as LadderPart[]) {
    const at = ladderIndex(p, eq[p]);
    if (at >= 0 && at < LADDERS[p].length - 1) out.push(p);
  }
  return out;
}

/** Some of `open`, at least one, drawn with each part's usual chance. */
export function chooseWorks(open: readonly Part[], rng: Prng): Part[] {
  const works = open.filter((p) => rng.chance(WORK_CHANCE[p]));
  return works.length ? works : [open.reduce((a, b) => (WORK_CHANCE[b] > WORK_CHANCE[a] ? b : a))];
}

/** The equipment after `works` (each in `improvableParts`). */
export function applyWorks(eq: Equipment, works: readonly Part[], u: number, rng: Prng): Equipment {
  const out = { ...eq };
  for (const p of works) {
    if (p === 'heating') {
      const switchToHeatPump = ['fioul', 'GPL', 'gaz naturel'].includes(eq.heatingEnergy) && rng.chance(0.4);
      out.heatingEnergy = switchToHeatPump ? 'electricite' : eq.heatingEnergy;
      out.heatingGenerator = MODERN_GENERATOR[out.heatingEnergy]!;
      [out.ecsEnergy, out.ecsGenerator] = ecsFor(out.heatingEnergy, out.heatingGenerator, u);
      continue;
    }
    const at = ladderIndex(p, eq[p]);
    out[p] = LADDERS[p][rng.int(at + 1, LADDERS[p].length - 1)]!;
    if (p === 'glazing') out.joinery = joineryFor(out.glazing, rng);
  }
  return out;
}
