/**
 * The RNB import rule for matching footprints across millésimes (domain.md §2), as pure logic:
 * pairs of (old building, new footprint) within 3 m, each with the share of one covered by the
 * other, grouped into connected components and classified.
 */
export const SAME_COVER = 0.85;
export const DIFFERENT_COVER = 0.1;
export const CANDIDATE_DISTANCE_M = 3;

export interface Pair {
  old: string;
  new: string;
  /** area(old ∩ new) / area(old) */
  coverOld: number;
  /** area(old ∩ new) / area(new) */
  coverNew: number;
}

export type Decision =
  | { kind: 'same'; old: string; new: string }
  | { kind: 'merge'; olds: string[]; new: string }
  | { kind: 'split'; old: string; news: string[] }
  | { kind: 'creation'; new: string }
  | { kind: 'demolition'; old: string }
  | { kind: 'conflict'; olds: string[]; news: string[]; pairs: Pair[] };

/** A pair links two footprints unless both cover less than 10% of each other (then: different). */
function linked(p: Pair): boolean {
  return p.coverOld >= DIFFERENT_COVER || p.coverNew >= DIFFERENT_COVER;
}

/**
 * Classifies every old building and every new footprint. `olds`/`news` list all of them (those
 * with no pair are demolished/created); `pairs` are the candidates within 3 m.
 */
export function classify(
  olds: readonly string[],
  news: readonly string[],
  pairs: readonly Pair[],
): Decision[] {
  const edges = pairs.filter(linked);
  // union-find over "o:id" / "n:id"
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    let c = x;
    while (c !== r) {
      const next = parent.get(c)!;
      parent.set(c, r);
      c = next;
    }
    return r;
  };
  for (const o of olds) parent.set(`o:${o}`, `o:${o}`);
  for (const n of news) parent.set(`n:${n}`, `n:${n}`);
  for (const e of edges) {
    const a = find(`o:${e.old}`);
    const b = find(`n:${e.new}`);
    if (a !== b) parent.set(a, b);
  }
  const groups = new Map<string, { olds: string[]; news: string[]; pairs: Pair[] }>();
  const group = (key: string) => {
    const r = find(key);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = { olds: [], news: [], pairs: [] }));
    return g;
  };
  for (const o of olds) group(`o:${o}`).olds.push(o);
  for (const n of news) group(`n:${n}`).news.push(n);
  for (const e of edges) group(`o:${e.old}`).pairs.push(e);

  const out: Decision[] = [];
  for (const g of groups.values()) out.push(decide(g.olds, g.news, g.pairs));
  return out;
}

function decide(olds: string[], news: string[], pairs: Pair[]): Decision {
  if (olds.length === 0) return { kind: 'creation', new: news[0]! };
  if (news.length === 0) return { kind: 'demolition', old: olds[0]! };
  const conflict: Decision = { kind: 'conflict', olds: [...olds].sort(), news: [...news].sort(), pairs };
  if (olds.length === 1 && news.length === 1) {
    const p = pairs[0]!;
    return p.coverOld >= SAME_COVER && p.coverNew >= SAME_COVER
      ? { kind: 'same', old: olds[0]!, new: news[0]! }
      : conflict;
  }
  if (olds.length === 1) {
    // split: every child lies within the parent, and together they cover it
    const ok =
      pairs.every((p) => p.coverNew >= SAME_COVER) && sum(pairs.map((p) => p.coverOld)) >= SAME_COVER;
    return ok && pairs.length === news.length
      ? { kind: 'split', old: olds[0]!, news: [...news].sort() }
      : conflict;
  }
  if (news.length === 1) {
    // merge: every parent lies within the child, and together they cover it
    const ok =
      pairs.every((p) => p.coverOld >= SAME_COVER) && sum(pairs.map((p) => p.coverNew)) >= SAME_COVER;
    return ok && pairs.length === olds.length
      ? { kind: 'merge', olds: [...olds].sort(), new: news[0]! }
      : conflict;
  }
  return conflict;
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
