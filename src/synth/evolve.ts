import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CsvFile } from '../ingest/csv/csv-file.js';
import { bbox, parseWkt } from '../geo/wkt.js';
import { CsvOut } from './csv-writer.js';
import { DPE_TRUTH_FILE, writeDpeTruth, type DpeTruthRow } from './dpe-truth.js';
import { planDpeEvolution } from './evolve-dpe.js';
import { Prng, seedOf } from './prng.js';
import { bdnbId, rectWkt, round1, type Rect } from './world.js';

/** Shares of the next millésime (~2% new, ~1% demolished, ~0.5% merged, ~0.5% split). */
export const EVOLUTION = { created: 0.02, demolished: 0.01, merged: 0.005, split: 0.005 } as const;
/** Footprints of surviving buildings move by at most this much on each axis (m): < 0.5 m. */
export const JITTER_M = 0.2;

export interface EvolveOptions {
  from: string;
  out: string;
  seed: number;
}

export type TruthKind = 'same' | 'merge' | 'split' | 'demolition' | 'creation';

export interface TruthRow {
  kind: TruthKind;
  old: string[];
  new: string[];
}

interface Bc {
  id: string;
  bg: string;
  rect: Rect;
  fields: string[];
}

interface NewBc {
  id: string;
  bg: string;
  rects: Rect[];
  fields: string[];
  keepsRnb: boolean;
}

const csvLine = (fields: readonly string[]) =>
  `${fields.map((f) => (/[",\n\r]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',')}\n`;
const area = (r: Rect) => (r[2] - r[0]) * (r[3] - r[1]);
const multi = (rects: Rect[]) => `MULTIPOLYGON (${rects.map(rectWkt).join(',')})`;

/** A 10 m grid of footprints, to place new buildings where nothing stands. */
class Grid {
  private cells = new Map<string, Rect[]>();
  add(r: Rect): void {
    for (const k of this.keys(r)) (this.cells.get(k) ?? this.cells.set(k, []).get(k)!).push(r);
  }
  free(r: Rect, margin: number): boolean {
    const m: Rect = [r[0] - margin, r[1] - margin, r[2] + margin, r[3] + margin];
    for (const k of this.keys(m))
      for (const q of this.cells.get(k) ?? [])
        if (m[0] < q[2] && q[0] < m[2] && m[1] < q[3] && q[1] < m[3]) return false;
    return true;
  }
  private *keys(r: Rect): Iterable<string> {
    for (let x = Math.floor(r[0] / 10); x <= Math.floor(r[2] / 10); x++)
      for (let y = Math.floor(r[1] / 10); y <= Math.floor(r[3] / 10); y++) yield `${x}:${y}`;
  }
}

/**
 * The next millésime of a synthetic département (written by `batid synth`): new BDNB ids for
 * everything; some constructions demolished, merged (two of a group become one footprint),
 * split (one becomes two halves) or new (at the back of a plot, where nothing stands); the
 * others moved by less than JITTER_M. Writes `ground_truth.csv` (kind, old ids, new ids). DPE
 * certificates: new renovations and corrections, and `ground_truth_dpe.csv` (evolve-dpe.ts).
 */
export async function evolve(
  opts: EvolveOptions,
): Promise<{ truth: TruthRow[]; tables: Record<string, number>; dpeTruth: DpeTruthRow[] }> {
  await mkdir(opts.out, { recursive: true });
  const rng = new Prng(seedOf('evolve', opts.seed));
  const idRng = new Prng(seedOf('evolve-ids', opts.seed));

  const bcFile = await CsvFile.open(join(opts.from, 'batiment_construction.csv'));
  const header = bcFile.header;
  const at = (n: string) => header.indexOf(n);
  const [iGeom, iBc, iBg, iRnb, iS] = [
    0,
    at('batiment_construction_id'),
    at('batiment_groupe_id'),
    at('rnb_id'),
    at('s_geom_cstr'),
  ];
  const bcs: Bc[] = [];
  const grid = new Grid();
  for await (const b of bcFile.batches()) {
    for (const r of b.records) {
      if (!r.fields) continue;
      const g = parseWkt(r.fields[iGeom]!);
      if (!g.ok || !g.geom) continue;
      const rect = bbox(g.geom);
      bcs.push({ id: r.fields[iBc]!, bg: r.fields[iBg]!, rect, fields: r.fields });
      grid.add(rect);
    }
  }

  const byGroup = new Map<string, Bc[]>();
  for (const c of bcs) (byGroup.get(c.bg) ?? byGroup.set(c.bg, []).get(c.bg)!).push(c);
  const bgMap = new Map<string, string>();
  for (const bg of byGroup.keys()) bgMap.set(bg, bdnbId('bg', idRng));
  const bcMap = new Map<string, string[]>(); // old construction → new ones ([]: demolished)
  const truth: TruthRow[] = [];
  const next: NewBc[] = [];
  const merged = new Set<string>();
  const jitter = () => round1(rng.float(-JITTER_M, JITTER_M));
  // merges can only happen to the first construction of a group that has several: draw them
  // among those, at the rate that makes them EVOLUTION.merged of all constructions
  const eligible = [...byGroup.values()].filter((g) => g.length > 1).length;
  const pMerge = eligible ? Math.min(1, (EVOLUTION.merged * bcs.length) / eligible) : 0;
  const cut = { demolished: EVOLUTION.demolished, split: EVOLUTION.demolished + EVOLUTION.split };
  for (const c of bcs) {
    if (merged.has(c.id)) continue;
    const siblings = byGroup.get(c.bg)!;
    const newBg = bgMap.get(c.bg)!;
    const roll = rng.next();
    if (roll < cut.demolished) {
      bcMap.set(c.id, []);
      truth.push({ kind: 'demolition', old: [c.id], new: [] });
    } else if (roll >= cut.split && siblings.length > 1 && siblings[0] === c && rng.next() < pMerge) {
      const other = siblings[1]!;
      const id = bdnbId('bc', idRng);
      merged.add(other.id);
      bcMap.set(c.id, [id]);
      bcMap.set(other.id, [id]);
      next.push({ id, bg: newBg, rects: [c.rect, other.rect], fields: c.fields, keepsRnb: false });
      truth.push({ kind: 'merge', old: [c.id, other.id], new: [id] });
    } else if (roll < cut.split) {
      const [x0, y0, x1, y1] = c.rect;
      const wide = x1 - x0 >= y1 - y0;
      const mid = round1(wide ? (x0 + x1) / 2 : (y0 + y1) / 2);
      const halves: Rect[] = wide
        ? [
            [x0, y0, mid, y1],
            [mid, y0, x1, y1],
          ]
        : [
            [x0, y0, x1, mid],
            [x0, mid, x1, y1],
          ];
      const ids = halves.map(() => bdnbId('bc', idRng));
      bcMap.set(c.id, ids);
      halves.forEach((h, i) =>
        next.push({ id: ids[i]!, bg: newBg, rects: [h], fields: c.fields, keepsRnb: false }),
      );
      truth.push({ kind: 'split', old: [c.id], new: ids });
    } else {
      const id = bdnbId('bc', idRng);
      const [dx, dy] = [jitter(), jitter()];
      const [x0, y0, x1, y1] = c.rect;
      bcMap.set(c.id, [id]);
      next.push({
        id,
        bg: newBg,
        rects: [[round1(x0 + dx), round1(y0 + dy), round1(x1 + dx), round1(y1 + dy)]],
        fields: c.fields,
        keepsRnb: true,
      });
      truth.push({ kind: 'same', old: [c.id], new: [id] });
    }
  }
  // new buildings: 5 × 4 m, 20 m behind or in front of a group's first construction, where nothing stands
  const groups = [...byGroup.values()];
  const wanted = Math.round(bcs.length * EVOLUTION.created);
  for (let i = 0, made = 0; i < groups.length * 4 && made < wanted; i++) {
    const g = groups[Math.floor(rng.next() * groups.length)]!;
    const first = g[0]!;
    if (!bcMap.get(first.id)?.length) continue;
    const [x0, y0, , y1] = first.rect;
    for (const y of [y1 + 14, y0 - 18]) {
      const r: Rect = [round1(x0 + 3), round1(y), round1(x0 + 8), round1(y + 4)];
      if (!grid.free(r, 4)) continue;
      grid.add(r);
      const id = bdnbId('bc', idRng);
      next.push({ id, bg: bgMap.get(first.bg)!, rects: [r], fields: first.fields, keepsRnb: false });
      truth.push({ kind: 'creation', old: [], new: [id] });
      made++;
      break;
    }
  }

  // 2. batiment_construction of the next millésime
  const tables: Record<string, number> = {};
  const bcOut = new CsvOut(join(opts.out, 'batiment_construction.csv'));
  await bcOut.line(csvLine(header));
  for (const n of next) {
    const f = [...n.fields];
    f[iGeom] = multi(n.rects);
    f[iBc] = n.id;
    f[iBg] = n.bg;
    if (iRnb >= 0 && !n.keepsRnb) f[iRnb] = '';
    if (iS >= 0) f[iS] = String(Math.round(n.rects.reduce((s, r) => s + area(r), 0)));
    await bcOut.line(csvLine(f));
  }
  await bcOut.close();
  tables.batiment_construction = next.length;
  const survivors = new Set(truth.filter((t) => t.kind === 'same').map((t) => t.old[0]!));
  const rectsOfGroup = new Map<string, Rect[]>();
  for (const n of next) (rectsOfGroup.get(n.bg) ?? rectsOfGroup.set(n.bg, []).get(n.bg)!).push(...n.rects);

  // 3. DPE: new certificates (renovations, corrections) after the previous export's latest one
  const dpe = await planDpeEvolution(opts.from, bgMap, (bg) => rectsOfGroup.has(bg), opts.seed);

  // 4. every other table: ids replaced, rows of what is gone dropped, split rows doubled
  for (const name of (await readdir(opts.from)).sort()) {
    if (name === 'batiment_construction.csv' || name === 'ground_truth.csv' || name === DPE_TRUTH_FILE)
      continue;
    if (!name.endsWith('.csv')) {
      if (/\.(csvt|geojson|prj)$/.test(name)) await copyFile(join(opts.from, name), join(opts.out, name));
      continue;
    }
    const table = name.replace(/\.csv$/, '');
    // RNB ids follow the buildings that survive, not the children of merges and splits
    const keep = /rnb/.test(table) ? survivors : null;
    tables[table] = await rewriteTable(
      join(opts.from, name),
      join(opts.out, name),
      bgMap,
      bcMap,
      rectsOfGroup,
      keep,
      { append: dpe.append.get(table), patch: dpe.patch.get(table) },
    );
  }
  await writeDpeTruth(join(opts.out, DPE_TRUTH_FILE), dpe.truth);
  const gt = new CsvOut(join(opts.out, 'ground_truth.csv'));
  await gt.line('kind,old_batiment_construction_ids,new_batiment_construction_ids\n');
  for (const t of truth) await gt.line(`${t.kind},${t.old.join('|')},${t.new.join('|')}\n`);
  await gt.close();
  return { truth, tables, dpeTruth: dpe.truth };
}

async function rewriteTable(
  from: string,
  to: string,
  bgMap: Map<string, string>,
  bcMap: Map<string, string[]>,
  rectsOfGroup: Map<string, Rect[]>,
  onlyConstructions: Set<string> | null,
  extra: { append?: string[][]; patch?: (fields: string[]) => void } = {},
): Promise<number> {
  const f = await CsvFile.open(from);
  const out = new CsvOut(to);
  await out.line(csvLine(f.header));
  const iBg = f.header.indexOf('batiment_groupe_id');
  const iBc = f.header.indexOf('batiment_construction_id');
  const isGroupTable =
    f.header.includes('geom_groupe') || (f.header[0] === 'WKT' && /batiment_groupe\.csv$/.test(from));
  const iS = f.header.indexOf('s_geom_groupe');
  const seen = new Set<string>();
  let n = 0;
  for await (const b of f.batches()) {
    for (const r of b.records) {
      if (!r.fields) continue;
      const fields = [...r.fields];
      if (iBg >= 0 && fields[iBg]) {
        const bg = bgMap.get(fields[iBg]!);
        if (!bg || !rectsOfGroup.has(bg)) continue; // the group has no construction left
        fields[iBg] = bg;
        extra.patch?.(fields);
        if (isGroupTable) {
          fields[0] = multi(rectsOfGroup.get(bg)!);
          if (iS >= 0)
            fields[iS] = String(Math.round(rectsOfGroup.get(bg)!.reduce((s, x) => s + area(x), 0)));
        }
      }
      let targets: (string | null)[] = [null];
      if (iBc >= 0 && fields[iBc]) {
        if (onlyConstructions && !onlyConstructions.has(fields[iBc]!)) continue;
        targets = bcMap.get(fields[iBc]!) ?? [];
      }
      for (const t of targets) {
        if (t !== null) fields[iBc] = t;
        const line = csvLine(fields);
        if (t !== null) {
          // a merged construction's rows come from both parents: keep the first
          const key = `${t}\u0001${fields.filter((_x, i) => i !== 0).join('\u0001')}`;
          if (seen.has(key)) continue;
          seen.add(key);
        }
        await out.line(line);
        n++;
      }
    }
  }
  for (const fields of extra.append ?? []) {
    await out.line(csvLine(fields));
    n++;
  }
  await out.close();
  return n;
}
