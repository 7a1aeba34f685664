import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Rectangle footprint as WKT. */
const rect = (x: number, y: number, w: number, h: number) =>
  `MULTIPOLYGON (((${x} ${y},${x + w} ${y},${x + w} ${y + h},${x} ${y + h},${x} ${y})))`;

export interface LifecycleTruth {
  /** old construction id → new construction id, for buildings that survive (jittered or not). */
  same: Record<string, string>;
  merged: { olds: string[]; new: string };
  split: { old: string; news: string[] };
  demolished: string[];
  created: string[];
  conflict: { old: string; new: string };
}

/**
 * Two millésimes of 30 buildings in the BDNB layout (batiment_construction only, département 03):
 * every id changes; 20 buildings move < 0.5 m, 5 stay put, 2 merge, 1 splits, 1 is demolished,
 * 2 are new, 1 is shifted by 40% of its width (a conflict). The first one carries an RNB id.
 */
export async function writeLifecyclePair(
  dir: string,
): Promise<{ v1: string; v2: string; truth: LifecycleTruth }> {
  const v1 = join(dir, 'v1');
  const v2 = join(dir, 'v2');
  await mkdir(v1, { recursive: true });
  await mkdir(v2, { recursive: true });
  const header =
    'WKT,batiment_construction_id,batiment_groupe_id,code_departement_insee,code_commune_insee,rnb_id\n';
  const pos = (i: number) => [700000 + (i % 10) * 40, 6600000 + Math.floor(i / 10) * 40] as const;
  const rows1: string[] = [];
  const rows2: string[] = [];
  const truth: LifecycleTruth = {
    same: {},
    merged: { olds: ['bc1-20', 'bc1-21'], new: 'bc2-m' },
    split: { old: 'bc1-22', news: ['bc2-s1', 'bc2-s2'] },
    demolished: ['bc1-23'],
    created: ['bc2-n1', 'bc2-n2'],
    conflict: { old: 'bc1-24', new: 'bc2-c' },
  };
  for (let i = 0; i < 30; i++) {
    const [x, y] = pos(i);
    // 20 and 21 are side by side so that one footprint can replace both
    const w = i === 20 || i === 21 ? 20 : 12;
    const xx = i === 21 ? pos(20)[0] + 20 : x;
    const yy = i === 21 ? pos(20)[1] : y;
    rows1.push(`"${rect(xx, yy, w, 10)}",bc1-${i},bg1-${i},"03","03185",${i === 0 ? 'ABCD2345KMNP' : ''}`);
    if (i < 20) {
      const j = ((i * 7) % 5) / 10 - 0.2; // < 0.5 m
      rows2.push(`"${rect(x + j, y - j, 12, 10)}",bc2-${i},bg2-${i},"03","03185",`);
      truth.same[`bc1-${i}`] = `bc2-${i}`;
    } else if (i >= 25) {
      rows2.push(`"${rect(x, y, 12, 10)}",bc2-${i},bg2-${i},"03","03185",`);
      truth.same[`bc1-${i}`] = `bc2-${i}`;
    }
  }
  const [mx, my] = pos(20);
  rows2.push(`"${rect(mx, my, 40, 10)}",bc2-m,bg2-m,"03","03185",`);
  const [sx, sy] = pos(22);
  rows2.push(`"${rect(sx, sy, 6, 10)}",bc2-s1,bg2-s,"03","03185",`);
  rows2.push(`"${rect(sx + 6, sy, 6, 10)}",bc2-s2,bg2-s,"03","03185",`);
  const [cx, cy] = pos(24);
  rows2.push(`"${rect(cx + 4.8, cy, 12, 10)}",bc2-c,bg2-c,"03","03185",`);
  rows2.push(`"${rect(700000, 6600500, 9, 9)}",bc2-n1,bg2-n1,"03","03185",`);
  rows2.push(`"${rect(700100, 6600500, 9, 9)}",bc2-n2,bg2-n2,"03","03185",`);
  await writeFile(join(v1, 'batiment_construction.csv'), header + rows1.join('\n') + '\n');
  await writeFile(join(v2, 'batiment_construction.csv'), header + rows2.join('\n') + '\n');
  return { v1, v2, truth };
}
