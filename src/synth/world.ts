import type { Commune } from './communes.js';
import { departementBox } from './communes.js';
import { Prng, seedOf } from './prng.js';
import { CONSTRUCTIONS } from './distributions.js';
import { RNB_ALPHABET } from '../ids/batid.js';

/** [minX, minY, maxX, maxY] in Lambert-93 metres. */
export type Rect = [number, number, number, number];

export interface Street {
  /** fantoir-like 4-character code, unique in the commune */
  code: string;
  typeVoie: string;
  nomVoie: string;
  /** y of the street axis (streets run west–east) and its extent */
  y: number;
  x0: number;
  x1: number;
}

export interface Construction {
  id: string;
  rect: Rect;
}

export interface Group {
  idx: number;
  id: string;
  commune: Commune;
  iris: string;
  plot: Rect;
  parcelId: string;
  street: Street;
  /** house number and repetition index; null when the group has no address */
  number: number | null;
  rep: '' | 'bis' | 'ter';
  collective: boolean;
  constructions: Construction[];
  /** within 100 m of a heat network */
  nearNetwork: boolean;
}

export interface Parcel {
  id: string;
  commune: Commune;
  rect: Rect;
}

export interface Town {
  commune: Commune;
  streets: Street[];
  groups: Group[];
  /** unbuilt parcels around the town */
  parcels: Parcel[];
  core: Rect;
}

const BLOCK = 120; // street to street
const PLOT_W = 20;
const PLOT_W_COLLECTIVE = 32;
const PLOT_D = 40;
const FARM = 50;
/** Allier: 271,795 building groups for 333,298 inhabitants; 734k parcels. */
export const GROUPS_PER_INHABITANT = 271_795 / 333_298;
export const PARCELS_PER_GROUP = 734_000 / 271_795;

const STREET_TYPES = [
  ['rue', 'de la République'],
  ['rue', 'Victor Hugo'],
  ['avenue', 'Jean Jaurès'],
  ['rue', 'du Commerce'],
  ['place', "de l'Église"],
  ['chemin', 'des Vignes'],
  ['route', 'de Moulins'],
  ['rue', 'Pasteur'],
  ['boulevard', 'de Courtais'],
  ['allée', 'des Tilleuls'],
  ['impasse', 'des Lilas'],
  ['rue', 'de la Gare'],
  ['route', 'de Vichy'],
  ['rue', 'des Écoles'],
  ['chemin', 'du Moulin'],
  ['rue', 'Anatole France'],
  ['avenue', 'de la Libération'],
  ['rue', 'du 8 Mai 1945'],
  ['rue', 'Émile Zola'],
  ['chemin', 'des Prés'],
] as const;

export function nanoId(rng: Prng, n = 12): string {
  let s = '';
  for (let i = 0; i < n; i++) s += RNB_ALPHABET[Math.floor(rng.next() * RNB_ALPHABET.length)];
  return s;
}

export const bdnbId = (kind: 'bg' | 'bc', rng: Prng) => {
  const s = nanoId(rng);
  return `bdnb-${kind}-${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`;
};

/** Section letters AA, AB, … and 4-digit numbers: commune(5) + '000' + section(2) + numéro(4). */
function parcelIds(commune: string): () => string {
  let n = 0;
  return () => {
    const section = Math.floor(n / 9999);
    const num = (n % 9999) + 1;
    n++;
    const letters =
      String.fromCharCode(65 + (Math.floor(section / 26) % 26)) + String.fromCharCode(65 + (section % 26));
    return `${commune}000${letters}${String(num).padStart(4, '0')}`;
  };
}

/** How many groups a commune gets at a scale (at least 3: hamlets exist). */
export function groupsFor(c: Commune, scale: number): number {
  return Math.max(3, Math.round(c.population * GROUPS_PER_INHABITANT * scale));
}

/**
 * Lays the département out: each commune a square territory (town core of streets and plots,
 * farmland parcels around), territories shelf-packed in the département's box. Plots are
 * disjoint and every construction lies inside its plot, so footprints never overlap and every
 * construction lies inside a parcel.
 */
export function buildWorld(dept: string, communes: Commune[], scale: number, seed: number): Town[] {
  const [minX, minY, maxX] = departementBox(dept);
  const towns: Town[] = [];
  let cx = minX;
  let cy = minY;
  let rowH = 0;
  let groupIdx = 0;
  const collectiveCut = [...communes].sort((a, b) => b.population - a.population)[
    Math.min(15, communes.length - 1)
  ]!.population;
  for (const commune of communes) {
    const rng = new Prng(seedOf(`town:${commune.code}`, seed));
    const n = groupsFor(commune, scale);
    const urban = commune.population >= Math.max(2000, collectiveCut);
    // enough street frontage for n plots (collective plots are wider), in whole blocks
    const side = Math.max(
      2 * BLOCK,
      Math.ceil((Math.sqrt(n * PLOT_W * (BLOCK / 2)) * (urban ? 1.3 : 1.15)) / BLOCK) * BLOCK,
    );
    const extra = Math.round(n * (PARCELS_PER_GROUP - 1));
    const territory = Math.ceil(Math.sqrt(side * side + extra * FARM * FARM) / FARM) * FARM + 2 * FARM;
    if (cx + territory > maxX) {
      cx = minX;
      cy += rowH;
      rowH = 0;
    }
    const ox = cx + Math.round((territory - side) / 2);
    const oy = cy + Math.round((territory - side) / 2);
    cx += territory;
    rowH = Math.max(rowH, territory);
    const town: Town = {
      commune,
      streets: [],
      groups: [],
      parcels: [],
      core: [ox, oy, ox + side, oy + side],
    };
    const nextParcel = parcelIds(commune.code);
    // streets every BLOCK metres, plots north and south of each
    const nStreets = Math.max(1, Math.floor(side / BLOCK));
    for (let s = 0; s < nStreets; s++) {
      const [typeVoie, nom] = STREET_TYPES[(s + commune.code.charCodeAt(4)) % STREET_TYPES.length]!;
      const suffix = s >= STREET_TYPES.length ? ` ${Math.floor(s / STREET_TYPES.length) + 1}` : '';
      town.streets.push({
        code: String(100 + s * 7).padStart(4, '0'),
        typeVoie,
        nomVoie: nom + suffix,
        y: oy + BLOCK / 2 + s * BLOCK,
        x0: ox,
        x1: ox + side,
      });
    }
    const central = Math.floor(nStreets / 2);
    fill: for (let s = 0; s < nStreets; s++) {
      const street = town.streets[s]!;
      for (const north of [true, false]) {
        let x = ox;
        let numero = north ? 2 : 1;
        for (;;) {
          if (town.groups.length >= n) break fill;
          const collective = urban && Math.abs(s - central) <= Math.max(1, nStreets / 6) && rng.chance(0.22);
          const w = collective ? PLOT_W_COLLECTIVE : PLOT_W;
          if (x + w > ox + side) break;
          const y0 = north ? street.y + 5 : street.y - 5 - PLOT_D;
          const plot: Rect = [x, y0, x + w, y0 + PLOT_D];
          town.groups.push(
            makeGroup(rng, groupIdx++, commune, street, plot, north, collective, numero, nextParcel()),
          );
          x += w;
          numero += 2;
        }
      }
    }
    // farmland: FARM-metre cells of the territory outside the town core
    const tx0 = ox - Math.round((territory - side) / 2);
    const ty0 = oy - Math.round((territory - side) / 2);
    const cols = Math.floor(territory / FARM);
    const core: Rect = [ox - 5, oy - 50, ox + side + 5, oy + side + 50];
    for (let k = 0; k < cols * cols && town.parcels.length < extra; k++) {
      const x = tx0 + (k % cols) * FARM;
      const y = ty0 + Math.floor(k / cols) * FARM;
      const r: Rect = [x, y, x + FARM - 1, y + FARM - 1];
      if (!overlaps(r, core)) town.parcels.push({ id: nextParcel(), commune, rect: r });
    }
    towns.push(town);
  }
  return towns;
}

function overlaps(a: Rect, b: Rect): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

function makeGroup(
  rng: Prng,
  idx: number,
  commune: Commune,
  street: Street,
  plot: Rect,
  north: boolean,
  collective: boolean,
  numero: number,
  parcelId: string,
): Group {
  const id = bdnbId('bg', rng);
  const k = collective ? 1 : Number(rng.weighted(CONSTRUCTIONS));
  const front = north ? plot[1] + 4 : plot[3] - 4;
  const dir = north ? 1 : -1;
  const constructions: Construction[] = [];
  const w = collective ? rng.float(20, 26) : rng.float(7, 13);
  const d = collective ? rng.float(11, 15) : rng.float(7, 11);
  const x0 = plot[0] + (collective ? 3 : rng.float(2, 4));
  const r = (ax: number, ay: number, bw: number, bd: number): Rect => {
    const y1 = ay + dir * bd;
    return [round1(ax), round1(Math.min(ay, y1)), round1(ax + bw), round1(Math.max(ay, y1))];
  };
  constructions.push({ id: bdnbId('bc', rng), rect: r(x0, front, w, d) });
  if (k >= 2)
    constructions.push({
      id: bdnbId('bc', rng),
      rect: r(plot[0] + 2, front + dir * (d + 3), rng.float(3.5, 6), rng.float(3, 5)),
    });
  if (k >= 3)
    constructions.push({
      id: bdnbId('bc', rng),
      rect: r(plot[0] + 10, front + dir * (d + 3), rng.float(3, 6), rng.float(3, 5)),
    });
  const hasAddress = collective || rng.chance(0.655);
  const rep = rng.chance(0.04) ? 'bis' : rng.chance(0.01) ? 'ter' : '';
  const irisNo = commune.population > 10_000 ? 101 + (street.code.charCodeAt(3) % 6) : 0;
  return {
    idx,
    id,
    commune,
    iris: `${commune.code}${String(irisNo).padStart(4, '0')}`,
    plot,
    parcelId,
    street,
    number: hasAddress ? numero : null,
    rep,
    collective,
    constructions,
    nearNetwork: false,
  };
}

export function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

export function rectWkt(r: Rect): string {
  const [a, b, c, d] = r;
  return `((${a} ${b},${c} ${b},${c} ${d},${a} ${d},${a} ${b}))`;
}

/** The RNB id a construction carries (70% of them, as in the 2024 BDNB), derived from its id. */
export function rnbOf(c: Construction, seed: number): string | null {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < c.id.length; i++) h = Math.imul(h ^ c.id.charCodeAt(i), 16777619);
  if ((h >>> 0) % 10 >= 7) return null;
  return nanoId(new Prng(h >>> 0, 7));
}
