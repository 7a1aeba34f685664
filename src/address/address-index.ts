import { editDistance, fold, nameTokens, normaliseRep, parseQuery, type ParsedQuery } from './normalise.js';
import { pause, SLICE } from '../util/pause.js';

/** One address as the index receives it (from bdnb.adresse or ban.adresse, see address-service.ts). */
export interface AddressRecord {
  id: string;
  numero: number | null;
  rep: string | null;
  /** The full street name, its type included ("allée des Tilleuls"). */
  street: string;
  postcode: string | null;
  insee: string;
  commune: string;
  lon: number;
  lat: number;
  label: string;
  batids: string[];
}

export type MatchType = 'housenumber' | 'street' | 'municipality';

export interface AddressHit {
  cle_interop_adr: string;
  label: string;
  score: number;
  type: MatchType;
  lon: number;
  lat: number;
  numero: number | null;
  rep: string | null;
  postcode: string | null;
  citycode: string;
  city: string;
  batids: string[];
}

export interface SearchOptions {
  limit?: number;
  citycode?: string;
}

interface Street {
  commune: number;
  tokens: Int32Array;
  /** Address indexes sorted by number then repetition. */
  addresses: number[];
}

interface Commune {
  insee: string;
  name: string;
  tokens: Int32Array;
  postcodes: Set<string>;
  /** The address standing for the commune: the one nearest the mean of its addresses. */
  centre: number;
  /** Its number of addresses. */
  count: number;
}

interface TokenMatch {
  token: number;
  sim: number;
}

// Scoring constants (see scoreStreet): what each kind of evidence is worth.
/** Weight of a five-digit code in the query, against a word's IDF weight (≈ 1…10). */
const CODE_WEIGHT = 4;
/** A house number absent from the street: the nearest one is given, but not as a sure match. */
const NUMBER_MISSING = 0.6;
/** The query has no number and the street has several: any one address stands for the street. */
const STREET_ONLY = 0.75;
/** Only the commune matched: its central address stands for it. */
const COMMUNE_ONLY = 0.6;
/** A five-digit code that is the commune's INSEE code, not its postcode (people type postcodes). */
const INSEE_CODE = 0.8;
/** The query names neither the commune nor its code. */
const NO_LOCALITY = 0.97;
/** Several communes hold an equally good street and the query does not say which. */
const AMBIGUOUS = 0.75;
const MAX_CANDIDATES = 24;
/**
 * A word in more streets than this share of them (and at least COMMON_MIN) does not bring
 * candidates by itself (see candidateStreets).
 */
const COMMON_SHARE = 0.02;
const COMMON_MIN = 100;
/** Below this, a result is noise: not returned. */
const MIN_SCORE = 0.3;

/**
 * The address search index, held in memory: streets and communes by token (with IDF weights), a
 * one-deletion neighbourhood of every token for typos, and the addresses of each street sorted
 * by number. A query is parsed (number, repetition, code, words), candidate streets are gathered
 * from the postings of its words, the best few are scored exactly, then the house number picks
 * the address. Scores are products of fractions that are all 1 for the address's own label.
 */
function runToEnd(steps: Generator<void>): void {
  while (!steps.next().done);
}

export class AddressIndex {
  readonly size: number;
  private readonly records: AddressRecord[];
  /** Each address's repetition in normal form (normaliseRep). */
  private readonly reps: (string | null)[];
  /** Each address's number, -1 when it has none (typed: read in the inner loop of pickAddress). */
  private readonly numeros: Int32Array;
  private readonly vocab = new Map<string, number>();
  private readonly words: string[] = [];
  private sortedWords: string[] = [];
  private readonly deletes = new Map<string, number[]>();
  private readonly streetPostings: Int32Array[] = [];
  private readonly communePostings: Int32Array[] = [];
  private weight = new Float64Array(0);
  private readonly streets: Street[] = [];
  private readonly communes: Commune[] = [];
  /** Five-digit code → communes, with how well it designates each (postcode 1, INSEE code less). */
  private readonly byCode = new Map<string, Map<number, number>>();
  private readonly byId = new Map<string, number>();
  /** Folded label → address, -1 when several addresses share it (see best()). */
  private readonly byLabel = new Map<string, number>();
  /** The same shortcut by the label as written, for the addresses byLabel gives (no folding to look it up). */
  private readonly byRawLabel = new Map<string, number>();
  /** Each street's commune (typed: read for every posting in candidateStreets). */
  private streetCommune = new Int32Array(0);
  private readonly communeByInsee = new Map<string, number>();
  // scratch arrays of one search (one search runs at a time: single thread)
  private acc = new Float64Array(0);
  private mark = new Int32Array(0);
  private sim = new Float64Array(0);
  /** The query's evidence for each commune, valid where communeStamp equals stamp. */
  private communeScore = new Float64Array(0);
  private communeStamp = new Int32Array(0);
  private stamp = 0;
  /** scoreStreet's: which street tokens explain a query word (and how well), which commune tokens do. */
  private covered = new Float64Array(16);
  private usedC = new Uint8Array(16);

  /** The index of `records`, built at once (tests, one département: a few seconds at most). */
  constructor(records: AddressRecord[], deferred = false) {
    this.records = records;
    this.size = records.length;
    this.reps = records.map((r) => normaliseRep(r.rep));
    this.numeros = Int32Array.from(records, (r) => r.numero ?? -1);
    if (!deferred) runToEnd(this.fill());
  }

  /**
   * The index of `records`, built in slices with the event loop served between them: the
   * addresses of millions of buildings take a minute to index, and a server building its index
   * must go on answering cards, tiles and health checks meanwhile (the scale bench saw cards
   * stalled 30–60 s behind one synchronous build).
   */
  static async build(records: AddressRecord[]): Promise<AddressIndex> {
    const ix = new AddressIndex(records, true);
    for (const steps = ix.fill(); !steps.next().done;) await pause();
    return ix;
  }

  /** The index proper; yields every SLICE addresses or words (see build). */
  private *fill(): Generator<void> {
    const records = this.records;
    const streetKey = new Map<string, number>();
    const communeKey = new Map<string, number>();
    const communeFold: string[] = []; // by commune index
    const sp: number[][] = [];
    const cp: number[][] = [];
    const sums: { x: number; y: number; n: number }[] = [];
    const labelKeys: string[] = []; // by address index, while building
    for (let i = 0; i < records.length; i++) {
      if (i % SLICE === SLICE - 1) yield;
      const r = records[i]!;
      this.byId.set(r.id, i);
      const labelKey = fold(r.label);
      let c = communeKey.get(r.insee);
      if (c === undefined) {
        c = this.communes.length;
        communeKey.set(r.insee, c);
        communeFold[c] = fold(r.commune);
        const tokens = Int32Array.from(nameTokens(r.commune).map((t) => this.tokenId(t, sp, cp)));
        for (const t of new Set(tokens)) cp[t]!.push(c);
        this.communes.push({
          insee: r.insee,
          name: r.commune,
          tokens,
          postcodes: new Set(),
          centre: i,
          count: 0,
        });
        sums.push({ x: 0, y: 0, n: 0 });
        this.addCode(r.insee, c, INSEE_CODE);
      }
      const commune = this.communes[c]!;
      commune.count++;
      // best()'s shortcut is search()'s answer only for a label naming its commune (a label
      // without it would be scored NO_LOCALITY by search): others go through the search
      const padded = ` ${labelKey} `;
      const named =
        (r.postcode !== null && padded.includes(` ${r.postcode} `)) ||
        padded.includes(` ${r.insee} `) ||
        padded.includes(` ${communeFold[c]!} `);
      this.byLabel.set(labelKey, this.byLabel.has(labelKey) || !named ? -1 : i);
      labelKeys.push(labelKey);
      if (r.postcode && !commune.postcodes.has(r.postcode)) {
        commune.postcodes.add(r.postcode);
        this.addCode(r.postcode, c, 1);
      }
      const s0 = sums[c]!;
      s0.x += r.lon;
      s0.y += r.lat;
      s0.n++;
      const key = `${r.insee}|${nameTokens(r.street).join(' ')}`;
      let s = streetKey.get(key);
      if (s === undefined) {
        s = this.streets.length;
        streetKey.set(key, s);
        const tokens = Int32Array.from(nameTokens(r.street).map((t) => this.tokenId(t, sp, cp)));
        for (const t of new Set(tokens)) sp[t]!.push(s);
        this.streets.push({ commune: c, tokens, addresses: [] });
      }
      this.streets[s]!.addresses.push(i);
    }
    for (let i = 0; i < records.length; i++)
      if (this.byLabel.get(labelKeys[i]!) === i) this.byRawLabel.set(records[i]!.label, i);
    for (const st of this.streets)
      st.addresses.sort(
        (a, b) =>
          this.numeros[a]! - this.numeros[b]! || (records[a]!.rep ?? '').localeCompare(records[b]!.rep ?? ''),
      );
    // the commune's central address: nearest the mean of its addresses
    const best = this.communes.map(() => Infinity);
    for (let i = 0; i < records.length; i++) {
      if (i % SLICE === SLICE - 1) yield;
      const r = records[i]!;
      const c = communeKey.get(r.insee)!;
      const m = sums[c]!;
      const d = (r.lon - m.x / m.n) ** 2 + (r.lat - m.y / m.n) ** 2;
      if (d < best[c]!) {
        best[c] = d;
        this.communes[c]!.centre = i;
      }
    }
    this.streetCommune = Int32Array.from(this.streets, (st) => st.commune);
    for (const [insee, c] of communeKey) this.communeByInsee.set(insee, c);
    this.acc = new Float64Array(this.streets.length);
    this.mark = new Int32Array(this.streets.length).fill(-1);
    this.sim = new Float64Array(this.streets.length);
    this.communeScore = new Float64Array(this.communes.length);
    this.communeStamp = new Int32Array(this.communes.length);
    for (let t = 0; t < this.words.length; t++) {
      this.streetPostings.push(Int32Array.from(sp[t]!));
      this.communePostings.push(Int32Array.from(cp[t]!));
    }
    // IDF over streets and communes together: "rue" weighs little, "tilleuls" a lot
    const n = this.streets.length + this.communes.length + 1;
    this.weight = Float64Array.from(this.words, (_, t) =>
      Math.log(1 + n / (1 + sp[t]!.length + cp[t]!.length)),
    );
    this.sortedWords = [...this.words].sort();
    for (let t = 0; t < this.words.length; t++) {
      if (t % SLICE === SLICE - 1) yield;
      const w = this.words[t]!;
      if (w.length < 4) continue;
      for (const d of deletions(w)) {
        const l = this.deletes.get(d);
        if (l) {
          if (l[l.length - 1] !== t) l.push(t);
        } else this.deletes.set(d, [t]);
      }
    }
  }

  get streetCount(): number {
    return this.streets.length;
  }

  get communeCount(): number {
    return this.communes.length;
  }

  /**
   * The labels of `n` addresses spread evenly over the index, in index order (all of them when it
   * holds fewer): the server's warm-up rows (warm-up.ts).
   */
  *labelsSpread(n: number): Generator<string> {
    const step = Math.max(1, this.records.length / n);
    for (let i = 0; i < this.records.length; i += step) yield this.records[Math.floor(i)]!.label;
  }

  /** The address of a key, if the index holds it. */
  get(id: string): AddressRecord | undefined {
    const i = this.byId.get(id);
    return i === undefined ? undefined : this.records[i];
  }

  /**
   * The best address for a query, or null: what search(q, { limit: 1 }) answers, with a shortcut
   * for a query that is exactly one address's label (accents, case and punctuation aside), the
   * common case of bulk files exported from an address register.
   */
  best(q: string, opts: { citycode?: string } = {}): AddressHit | null {
    const i = this.byRawLabel.get(q) ?? this.byLabel.get(fold(q));
    if (i !== undefined && i >= 0) {
      const r = this.records[i]!;
      if (!opts.citycode || r.insee === opts.citycode)
        return this.hit(i, 1, r.numero !== null ? 'housenumber' : 'street');
    }
    return this.search(q, { limit: 1, citycode: opts.citycode })[0] ?? null;
  }

  /** Ranked addresses for a free-text query, best first. */
  search(q: string, opts: SearchOptions = {}): AddressHit[] {
    const limit = opts.limit ?? 10;
    const p = parseQuery(q);
    if (!p.words.length && p.code === null) return [];
    const matches: TokenMatch[][] = [];
    const words: string[] = [];
    p.words.forEach((w, i) => {
      const last = i === p.words.length - 1;
      const ms = this.matchToken(w, last);
      const split = ms.length ? null : this.splitGlued(w);
      if (split) {
        words.push(...split);
        for (const part of split) matches.push(this.matchToken(part, false));
      } else {
        words.push(w);
        matches.push(ms);
      }
    });
    p.words = words;
    const wordWeights = p.words.map((w, i) => this.queryWeight(w, matches[i]!));
    const codeCommunes = p.code !== null ? (this.byCode.get(p.code) ?? new Map<number, number>()) : null;
    const cityFilter = opts.citycode;

    // 1. candidates: streets sharing a selective word (plus their commune's evidence)
    const communeAcc = new Map<number, number>();
    matches.forEach((ms, i) => {
      const w = wordWeights[i]!;
      const seen = new Map<number, number>();
      for (const m of ms)
        for (const c of this.communePostings[m.token]!) seen.set(c, Math.max(seen.get(c) ?? 0, m.sim));
      for (const [c, sim] of seen) communeAcc.set(c, (communeAcc.get(c) ?? 0) + w * sim);
    });
    if (codeCommunes)
      for (const [c, sim] of codeCommunes) communeAcc.set(c, (communeAcc.get(c) ?? 0) + CODE_WEIGHT * sim);
    // -2: no filter; -1: a code the index does not hold (nothing is allowed)
    const only = cityFilter ? (this.communeByInsee.get(cityFilter) ?? -1) : -2;
    const allowed = (c: number) => only === -2 || c === only;
    const ranked = this.candidateStreets(matches, wordWeights, communeAcc, only);

    // 2. exact text scores for the best candidates; then, best text first, the house number
    // picks the address (its factor is ≤ 1, so once a text score is below the limit-th final
    // score no later street can enter the results)
    // (hits are made into AddressHit objects at the end, for the `limit` returned only)
    const hits: {
      address: number;
      score: number;
      type: MatchType;
      text: number;
      key: number;
      local: boolean;
    }[] = [];
    const scored = ranked
      .map(({ street }) => ({ street, ...this.scoreStreet(street, p, matches, wordWeights, codeCommunes) }))
      .filter((x) => x.text > 0)
      .sort((a, b) => b.text - a.text || a.street - b.street);
    const finals: number[] = [];
    for (const { street, text, local } of scored) {
      if (finals.length >= limit && text < finals[limit - 1]!) break;
      const { address, factor } = this.pickAddress(street, p);
      const score = text * factor;
      // finals stays sorted, best first
      let at = finals.length;
      while (at > 0 && finals[at - 1]! < score) at--;
      finals.splice(at, 0, score);
      hits.push({
        address,
        score,
        type: p.number !== null && factor >= 0.85 ? 'housenumber' : 'street',
        text,
        key: street,
        local,
      });
    }
    // communes alone (the query names only a commune or a code): scored cheaply, and only the
    // few that can reach the results become hits ("saint", "sur" are in many commune names)
    const totalWeight = wordWeights.reduce((a, b) => a + b, 0) + (p.code !== null ? CODE_WEIGHT : 0);
    const communeHits: { c: number; text: number; key: number }[] = [];
    const floor = MIN_SCORE / COMMUNE_ONLY;
    for (const [c, v] of communeAcc) {
      if (!allowed(c) || totalWeight === 0 || v / totalWeight < floor) continue;
      const text = (v / totalWeight) * (p.words.length ? 0.4 + 0.6 * this.communeRecall(c, matches) : 1);
      // equal communes (a shared postcode): the larger first
      if (text >= floor) communeHits.push({ c, text, key: -1 - this.communes[c]!.count });
    }
    communeHits.sort((a, b) => b.text - a.text || a.key - b.key);
    for (const { c, text, key } of communeHits.slice(0, limit))
      hits.push({
        address: this.communes[c]!.centre,
        score: text * COMMUNE_ONLY,
        type: 'municipality',
        text,
        key,
        local: true,
      });

    // 3. locality: a street whose commune the query does not name is less sure, and equal streets
    // of several unnamed communes are a guess
    hits.sort((a, b) => b.score - a.score || a.key - b.key);
    const top = hits[0];
    if (top && !top.local) {
      const rivals = hits.filter((h) => !h.local && Math.abs(h.text - top.text) < 1e-9);
      if (new Set(rivals.map((h) => this.records[h.address]!.insee)).size > 1)
        for (const h of rivals) h.score *= AMBIGUOUS;
    }
    for (const h of hits) if (!h.local) h.score *= NO_LOCALITY;
    hits.sort((a, b) => b.score - a.score || a.key - b.key);
    return hits
      .filter((h) => h.score >= MIN_SCORE)
      .slice(0, limit)
      .map((h) => this.hit(h.address, Math.round(h.score * 1000) / 1000, h.type));
  }

  /**
   * The MAX_CANDIDATES streets sharing most with the query, best first: the weight of the words
   * they share plus their commune's evidence (`pre`; ties: lowest street first). Words found in many streets ("rue", "de": COMMON_SHARE) only add to
   * streets already found by a rarer word or in a commune the query names, unless no word is
   * rarer. `only` ≥ 0 keeps the streets of that commune alone, -1 none, -2 all. Scratch arrays
   * are reused (one search runs at a time: single thread) and commune membership is a stamp
   * compare, not a Map lookup: the postings of "rue" are read at almost every search.
   */
  private candidateStreets(
    matches: TokenMatch[][],
    weights: number[],
    communes: Map<number, number>,
    only: number,
  ): { street: number; pre: number }[] {
    const n = this.streets.length;
    const { acc, mark, sim, communeScore, communeStamp, streetCommune } = this;
    if (this.stamp === 0x7fffffff) {
      // the stamps are 32-bit: start again rather than wrap (after 2³¹ searches of one index)
      communeStamp.fill(0);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    for (const [c, v] of communes) {
      communeScore[c] = v;
      communeStamp[c] = stamp;
    }
    const postings = matches.map((ms) => ms.reduce((a, m) => a + this.streetPostings[m.token]!.length, 0));
    const rarest = Math.min(...postings.filter((x) => x > 0));
    const commonAbove = Math.max(COMMON_MIN, n * COMMON_SHARE);
    const touched: number[] = [];
    const order = matches.map((_, i) => i).sort((a, b) => postings[a]! - postings[b]!);
    for (const i of order) {
      const w = weights[i]!;
      const common = postings[i]! > commonAbove && postings[i]! > rarest;
      for (const m of matches[i]!) {
        const list = this.streetPostings[m.token]!;
        for (let k = 0; k < list.length; k++) {
          const s = list[k]!;
          if (mark[s] === -1) {
            if (common && communeStamp[streetCommune[s]!] !== stamp) continue;
            touched.push(s);
          }
          if (mark[s] !== i) {
            mark[s] = i;
            sim[s] = m.sim;
            acc[s] = acc[s]! + w * m.sim;
          } else if (m.sim > sim[s]!) {
            acc[s] = acc[s]! + w * (m.sim - sim[s]!);
            sim[s] = m.sim;
          }
        }
      }
    }
    const top = new TopK(MAX_CANDIDATES);
    for (const s of touched) {
      const c = streetCommune[s]!;
      if (only === -2 || c === only)
        top.offer(s, acc[s]! + (communeStamp[c] === stamp ? communeScore[c]! : 0));
      acc[s] = 0;
      mark[s] = -1;
    }
    return top.best();
  }

  private hit(i: number, score: number, type: MatchType): AddressHit {
    const r = this.records[i]!;
    return {
      cle_interop_adr: r.id,
      label: r.label,
      score,
      type,
      lon: r.lon,
      lat: r.lat,
      numero: r.numero,
      rep: r.rep,
      postcode: r.postcode,
      citycode: r.insee,
      city: r.commune,
      batids: r.batids,
    };
  }

  /**
   * How well a street (in its commune) explains the query, in 0..1: the share of the query's
   * weight matched (precision) times the share of the street's name found (recall, softened:
   * "Treille Aiglun" still finds "impasse de la Treille").
   */
  private scoreStreet(
    s: number,
    p: ParsedQuery,
    matches: TokenMatch[][],
    weights: number[],
    codeCommunes: Map<number, number> | null,
  ): { text: number; local: boolean } {
    const street = this.streets[s]!;
    const commune = this.communes[street.commune]!;
    // each street or commune token explains one query word at most ("route de Vichy 03200
    // Vichy" is not "route de Vichy" in another commune)
    // (scratch arrays, zeroed over the lengths used: 24 calls per search)
    const nS = street.tokens.length;
    const nC = commune.tokens.length;
    if (this.covered.length < nS) this.covered = new Float64Array(nS);
    if (this.usedC.length < nC) this.usedC = new Uint8Array(nC);
    const covered = this.covered.fill(0, 0, nS);
    const usedC = this.usedC.fill(0, 0, nC);
    let matched = 0;
    let total = 0;
    let streetWords = 0;
    for (let i = 0; i < matches.length; i++) {
      const ms = matches[i]!;
      const w = weights[i]!;
      total += w;
      let bestS = 0;
      let bestSIdx = -1;
      let bestC = 0;
      let bestCIdx = -1;
      for (const m of ms) {
        for (let k = 0; k < street.tokens.length; k++)
          if (street.tokens[k] === m.token && covered[k] === 0 && m.sim > bestS) {
            bestS = m.sim;
            bestSIdx = k;
          }
        for (let k = 0; k < commune.tokens.length; k++)
          if (commune.tokens[k] === m.token && !usedC[k] && m.sim > bestC) {
            bestC = m.sim;
            bestCIdx = k;
          }
      }
      if (bestS >= bestC && bestS > 0) {
        matched += w * bestS;
        streetWords++;
        covered[bestSIdx] = bestS;
      } else if (bestC > 0) {
        matched += w * bestC;
        usedC[bestCIdx] = 1;
      }
    }
    const byCode = codeCommunes?.get(street.commune) ?? 0;
    if (p.code !== null) {
      total += CODE_WEIGHT;
      matched += CODE_WEIGHT * byCode;
    }
    if (!streetWords || total === 0) return { text: 0, local: false };
    let sw = 0;
    let sc = 0;
    for (let k = 0; k < nS; k++) {
      const t = street.tokens[k]!;
      sw += this.weight[t]!;
      sc += this.weight[t]! * covered[k]!;
    }
    const recall = sw ? sc / sw : 0;
    let local = byCode > 0;
    for (let k = 0; k < nC && !local; k++) local = usedC[k] === 1;
    return { text: (matched / total) * (0.4 + 0.6 * recall), local };
  }

  private communeRecall(c: number, matches: TokenMatch[][]): number {
    const commune = this.communes[c]!;
    let sw = 0;
    let sc = 0;
    for (const t of commune.tokens) {
      sw += this.weight[t]!;
      let best = 0;
      for (const ms of matches) for (const m of ms) if (m.token === t && m.sim > best) best = m.sim;
      sc += this.weight[t]! * best;
    }
    return sw ? sc / sw : 0;
  }

  /** The address of the street that the query's number designates, and how sure that is. */
  private pickAddress(s: number, p: ParsedQuery): { address: number; factor: number } {
    const list = this.streets[s]!.addresses;
    const num = this.numeros;
    if (p.number === null) {
      const unnumbered = list.find((i) => num[i]! <= 0);
      if (unnumbered !== undefined) return { address: unnumbered, factor: 1 };
      return { address: list[0]!, factor: list.length === 1 ? 0.9 : STREET_ONLY };
    }
    const want = p.number;
    // the addresses carrying the number, else its neighbours (the list is sorted by number)
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (num[list[mid]!]! < want) lo = mid + 1;
      else hi = mid;
    }
    // from the first address of the number below (its plain number before its bis/ter)
    let from = lo;
    const below = lo > 0 ? num[list[lo - 1]!]! : -2;
    while (from > 0 && num[list[from - 1]!] === below) from--;
    let best = list[Math.min(from, list.length - 1)]!;
    let bestFactor = -1;
    for (let k = from; k < list.length; k++) {
      const i = list[k]!;
      const n = num[i]!;
      let f: number;
      if (n === want) {
        const rep = this.reps[i] ?? null;
        if (rep === p.rep) f = 1;
        else if (p.rep === null) f = 0.9;
        else if (rep === null) f = 0.85;
        else f = 0.8;
      } else f = NUMBER_MISSING - Math.min(0.2, Math.abs(Math.max(n, 0) - want) / 500);
      if (f > bestFactor) {
        bestFactor = f;
        best = i;
      }
      if (n > want) break;
    }
    return { address: best, factor: bestFactor };
  }

  /** Index tokens a query word may stand for: itself, a typo (1–2 edits), or, last, a prefix. */
  private matchToken(w: string, last: boolean): TokenMatch[] {
    const out = new Map<number, number>();
    const exact = this.vocab.get(w);
    if (exact !== undefined) out.set(exact, 1);
    // a word of the index is taken as written; typos are looked for in the others
    if (exact === undefined && w.length >= 4) {
      const max = w.length >= 8 ? 2 : 1;
      const cands = new Set<number>();
      const add = (l: number[] | undefined) => l?.forEach((t) => cands.add(t));
      add(this.deletes.get(w));
      for (const d of deletions(w)) {
        const t = this.vocab.get(d);
        if (t !== undefined) cands.add(t);
        add(this.deletes.get(d));
      }
      for (const t of cands) {
        if (t === exact) continue;
        const word = this.words[t]!;
        const d = editDistance(w, word, max);
        if (d <= max) out.set(t, Math.max(out.get(t) ?? 0, 1 - d / (Math.max(w.length, word.length) + 1)));
      }
    }
    if (last && exact === undefined && w.length >= 3) {
      // the word being typed: index words starting with it
      let lo = 0;
      let hi = this.sortedWords.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.sortedWords[mid]! < w) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < this.sortedWords.length && k < lo + 20; k++) {
        const word = this.sortedWords[k]!;
        if (!word.startsWith(w)) break;
        const t = this.vocab.get(word)!;
        out.set(t, Math.max(out.get(t) ?? 0, Math.max(0.7, w.length / word.length) * 0.95));
      }
    }
    return [...out].map(([token, sim]) => ({ token, sim }));
  }

  /** Two index words typed without the space between them ("desecoles" → des ecoles), or null. */
  private splitGlued(w: string): string[] | null {
    if (w.length < 5) return null;
    for (let k = 2; k <= w.length - 2; k++) {
      const a = w.slice(0, k);
      const b = w.slice(k);
      if (this.vocab.has(a) && this.vocab.has(b)) return [a, b];
    }
    return null;
  }

  /** A query word's weight: its index weight, or the heaviest when it matches nothing (noise counts). */
  private queryWeight(w: string, ms: TokenMatch[]): number {
    if (!ms.length) return w.length <= 2 ? 1 : Math.log(1 + this.streets.length + this.communes.length);
    let best = 0;
    let wt = 0;
    for (const m of ms)
      if (m.sim > best) {
        best = m.sim;
        wt = this.weight[m.token]!;
      }
    return wt;
  }

  private tokenId(t: string, sp: number[][], cp: number[][]): number {
    let id = this.vocab.get(t);
    if (id === undefined) {
      id = this.words.length;
      this.vocab.set(t, id);
      this.words.push(t);
      sp.push([]);
      cp.push([]);
    }
    return id;
  }

  private addCode(code: string, c: number, sim: number): void {
    let m = this.byCode.get(code);
    if (!m) this.byCode.set(code, (m = new Map()));
    m.set(c, Math.max(m.get(c) ?? 0, sim));
  }
}

/**
 * The k best of a stream of (street, score), best first: highest score, then lowest street —
 * what sorting them all and keeping k gives, without sorting or allocating for the hundreds of
 * streets that "rue" or "de" bring (most offers end at one compare with the k-th).
 */
export class TopK {
  private readonly streets: number[] = [];
  private readonly scores: number[] = [];
  constructor(private readonly k: number) {}

  offer(street: number, score: number): void {
    const { streets, scores } = this;
    let at = scores.length;
    // before every kept entry it beats
    while (at > 0 && (scores[at - 1]! < score || (scores[at - 1] === score && streets[at - 1]! > street)))
      at--;
    if (at >= this.k) return;
    streets.splice(at, 0, street);
    scores.splice(at, 0, score);
    if (scores.length > this.k) {
      streets.pop();
      scores.pop();
    }
  }

  best(): { street: number; pre: number }[] {
    return this.streets.map((street, i) => ({ street, pre: this.scores[i]! }));
  }
}

/** Every string one character shorter than `w`. */
function deletions(w: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < w.length; i++) {
    const d = w.slice(0, i) + w.slice(i + 1);
    if (out[out.length - 1] !== d) out.push(d);
  }
  return out;
}
