/**
 * Address text → comparable tokens: accents, case and punctuation folded away, the common French
 * street-type abbreviations expanded, numbers split from their repetition suffix ("12bis" →
 * "12 bis"). The index and the queries go through the same function, so "Bd St-Michel" and
 * "boulevard saint michel" become the same tokens.
 */

/** Abbreviations as written in addresses (La Poste's norm AFNOR NF Z10-011 and common usage). */
const ABBREVIATIONS: Record<string, string> = {
  all: 'allee',
  av: 'avenue',
  ave: 'avenue',
  bd: 'boulevard',
  bld: 'boulevard',
  blvd: 'boulevard',
  boul: 'boulevard',
  bvd: 'boulevard',
  car: 'carrefour',
  ch: 'chemin',
  chem: 'chemin',
  che: 'chemin',
  cit: 'cite',
  crs: 'cours',
  esp: 'esplanade',
  fbg: 'faubourg',
  fg: 'faubourg',
  gr: 'grande',
  ham: 'hameau',
  imp: 'impasse',
  lot: 'lotissement',
  mte: 'montee',
  pass: 'passage',
  pl: 'place',
  pte: 'porte',
  prom: 'promenade',
  qu: 'quai',
  r: 'rue',
  rdpt: 'rond',
  res: 'residence',
  rpt: 'rond',
  rte: 'route',
  sen: 'sentier',
  sq: 'square',
  st: 'saint',
  ste: 'sainte',
  sts: 'saints',
  tra: 'traverse',
  vla: 'villa',
};

/** Repetition suffixes of a house number, normalised (b → bis, t → ter, q → quater). */
const REPS: Record<string, string> = {
  bis: 'bis',
  b: 'bis',
  ter: 'ter',
  t: 'ter',
  quater: 'quater',
  q: 'quater',
  quinquies: 'quinquies',
  c: 'c',
  d: 'd',
  e: 'e',
  f: 'f',
  g: 'g',
  h: 'h',
  a: 'a',
};

/** Lowercase ASCII: accents stripped, ligatures opened, everything else but letters and digits a space. */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/ß/g, 'ss')
    .replace(/(\d)([a-z])/g, '$1 $2')
    .replace(/([a-z])(\d)/g, '$1 $2')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The tokens of a street or commune name, abbreviations expanded. */
export function nameTokens(s: string): string[] {
  const f = fold(s);
  if (!f) return [];
  return f.split(' ').map((t) => ABBREVIATIONS[t] ?? t);
}

/** A repetition suffix in its normal form, or null when `s` is not one. */
export function normaliseRep(s: string | null | undefined): string | null {
  if (!s) return null;
  const f = fold(s).replace(/ /g, '');
  return f ? (REPS[f] ?? f) : null;
}

export interface ParsedQuery {
  /** The house number, if the query has one (1 to 4 digits, before the street words). */
  number: number | null;
  rep: string | null;
  /** A five-digit code: a postcode or an INSEE commune code. */
  code: string | null;
  /** Every other token, abbreviations expanded. */
  words: string[];
}

/**
 * Splits a free-text query into house number (+ repetition), five-digit code and words.
 * "12 b r. de l'Église 03200" → number 12, rep bis, code 03200, words [rue, de, l, eglise].
 */
export function parseQuery(q: string): ParsedQuery {
  const raw = fold(q).split(' ').filter(Boolean);
  const out: ParsedQuery = { number: null, rep: null, code: null, words: [] };
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i]!;
    if (/^\d+$/.test(t)) {
      if (t.length === 5 && out.code === null) {
        out.code = t;
        continue;
      }
      if (t.length <= 4 && out.number === null && out.words.length === 0) {
        out.number = Number(t);
        // a repetition right after the number: bis/ter/quater, or one letter a–h (r is "rue")
        const next = raw[i + 1];
        if (next !== undefined && REPS[next] !== undefined) {
          out.rep = REPS[next]!;
          i++;
        }
        continue;
      }
    }
    out.words.push(ABBREVIATIONS[t] ?? t);
  }
  return out;
}

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), bounded by `max`:
 * the distance when it is at most `max`, else exactly `max + 1` (computed early once every
 * alignment already costs more, since the minimum of a row never decreases).
 */
export function editDistance(a: string, b: string, max: number): number {
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  let prev2 = new Array<number>(lb + 1).fill(0);
  let prev = Array.from({ length: lb + 1 }, (_, j) => j);
  let cur = new Array<number>(lb + 1).fill(0);
  for (let i = 1; i <= la; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= lb; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return Math.min(prev[lb]!, max + 1);
}
