/**
 * The DPE ground truth (`ground_truth_dpe.csv`): one line per pair of certificates of one
 * dwelling a renovation detector might consider, with what really happened between them.
 *
 * - `renovation`: works between two successive valid 2021-method certificates (valid: no other
 *   certificate replaces it), a class gain with the certificates' own factors and with the 2026
 *   factor on both sides;
 * - `correction`: a certificate (après) replacing another (avant) through `numero_dpe_remplace`;
 * - `methode`: a 2026 re-diagnosis with no works (same EF and equipment, new electricity
 *   factor) after the previous valid 2021-method certificate.
 * Any other pair of certificates (an old-method one and the next, a replaced one and anything
 * but its correction, two dwellings) is no renovation.
 */
import { readFile } from 'node:fs/promises';
import { CsvOut } from './csv-writer.js';
import { cachedDpeHistory, type DpePair, type DpePairKind } from './dpe-history.js';
import { classRank, letterOf } from './dpe-rules.js';
import type { Profile } from './profile.js';
import type { Group, Town } from './world.js';

export const DPE_TRUTH_FILE = 'ground_truth_dpe.csv';
export const DPE_TRUTH_HEADER =
  'batiment_groupe_id,identifiant_dpe_avant,identifiant_dpe_apres,kind,classe_avant,classe_apres';

export interface DpeTruthRow {
  group: string;
  before: string;
  after: string;
  kind: DpePairKind;
  classBefore: string;
  classAfter: string;
}

export function truthRowOf(group: string, pair: DpePair): DpeTruthRow {
  const cls = (s: DpePair['before']['state']) => letterOf(classRank(s.epM2, s.gesM2));
  return {
    group,
    before: pair.before.id,
    after: pair.after.id,
    kind: pair.kind,
    classBefore: cls(pair.before.state),
    classAfter: cls(pair.after.state),
  };
}

/** The truth of a synthetic département, group by group in the export's order. */
export function* dpeTruthOf(
  towns: Town[],
  profileOf: (g: Group) => Profile,
  seed: number,
): Iterable<DpeTruthRow> {
  for (const town of towns)
    for (const g of town.groups) {
      const p = profileOf(g);
      if (p.hasDpe) for (const pair of cachedDpeHistory(g, p, seed).pairs) yield truthRowOf(g.id, pair);
    }
}

export async function writeDpeTruth(path: string, rows: Iterable<DpeTruthRow>): Promise<number> {
  const out = new CsvOut(path);
  await out.line(`${DPE_TRUTH_HEADER}\n`);
  let n = 0;
  for (const r of rows) {
    await out.line(`${r.group},${r.before},${r.after},${r.kind},${r.classBefore},${r.classAfter}\n`);
    n++;
  }
  await out.close();
  return n;
}

const KINDS = new Set<string>(['renovation', 'correction', 'methode']);

/** The truth file of an export, or null when it has none. */
export async function readDpeTruth(path: string): Promise<DpeTruthRow[] | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines[0]?.trim() !== DPE_TRUTH_HEADER)
    throw new Error(`${path}: expected the header "${DPE_TRUTH_HEADER}"`);
  return lines.slice(1).map((l, i) => {
    const [group, before, after, kind, classBefore, classAfter] = l.trim().split(',');
    if (!group || !before || !after || !kind || !KINDS.has(kind) || !classBefore || !classAfter)
      throw new Error(`${path}, line ${i + 2}: expected ${DPE_TRUTH_HEADER}, got "${l}"`);
    return { group, before, after, kind: kind as DpePairKind, classBefore, classAfter };
  });
}
