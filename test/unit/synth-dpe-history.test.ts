import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvParser, type CsvRecord } from '../../src/ingest/csv/csv-parser.js';
import { dayOf } from '../../src/synth/days.js';
import { cachedDpeHistory, type DpeHistory } from '../../src/synth/dpe-history.js';
import { DPE_TRUTH_FILE, DPE_TRUTH_HEADER } from '../../src/synth/dpe-truth.js';
import { evolve } from '../../src/synth/evolve.js';
import { synthesize, syntheticWorld } from '../../src/synth/synthesize.js';

type Row = Record<string, string>;

async function table(dir: string, name: string): Promise<Row[]> {
  const p = new CsvParser(',');
  const out: CsvRecord[] = [];
  p.push(await readFile(join(dir, name.endsWith('.csv') ? name : `${name}.csv`), 'utf8'), out);
  p.end(out);
  const [head, ...rows] = out.map((r) => r.fields!);
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}

// the label rules of domain.md §4, written out again so that the test does not trust the generator's
const EP_UPPER = [70, 110, 180, 250, 330, 420];
const GES_UPPER = [6, 11, 30, 50, 70, 100];
const rank = (v: number, upper: number[]) => {
  const i = upper.findIndex((b) => v < b);
  return i < 0 ? 6 : i;
};
const classRank = (ep: number, ges: number) => Math.max(rank(ep, EP_UPPER), rank(ges, GES_UPPER));
const RANK = (letter: string) => 'ABCDEFG'.indexOf(letter);
const factorOn = (date: string) => (date >= '2026-01-01' ? 1.9 : 2.3);
const ELECTRIC = new Set(['electricite', 'pompe a chaleur']);
/** Class of a certificate with the 2026 factor (the electric part from EP − EF = (f − 1) × EF_elec). */
function rank2026(c: Row): number {
  const ep = Number(c.conso_5_usages_ep_m2);
  const ef = Number(c.conso_5_usages_ef_m2);
  const f = factorOn(c.date_etablissement_dpe!);
  return classRank(ep - ((f - 1.9) * (ep - ef)) / (f - 1), Number(c.emission_ges_5_usages_m2));
}
const EQUIPMENT = [
  'type_energie_chauffage',
  'type_generateur_chauffage',
  'type_energie_ecs',
  'type_generateur_ecs',
  'type_isolation_mur_exterieur',
  'type_isolation_plancher_bas',
  'type_isolation_plancher_haut',
  'type_vitrage',
  'type_materiaux_menuiserie',
  'type_ventilation',
];

interface Export {
  dir: string;
  certs: Map<string, Row>;
  groupOf: Map<string, string>;
  truth: Row[];
  representative: Row[];
}

async function readExport(dir: string): Promise<Export> {
  const certs = new Map((await table(dir, 'dpe_logement')).map((r) => [r.identifiant_dpe!, r]));
  const groupOf = new Map(
    (await table(dir, 'rel_batiment_groupe_dpe_logement')).map((r) => [
      r.identifiant_dpe!,
      r.batiment_groupe_id!,
    ]),
  );
  return {
    dir,
    certs,
    groupOf,
    truth: await table(dir, DPE_TRUTH_FILE),
    representative: await table(dir, 'batiment_groupe_dpe_representatif_logement'),
  };
}

function checkCertificates(x: Export): void {
  const ids = [...x.certs.keys()];
  assert.equal(new Set(ids).size, ids.length, 'certificate ids are unique');
  let gPlus = 0;
  for (const c of x.certs.values()) {
    const id = c.identifiant_dpe!;
    const date = c.date_etablissement_dpe!;
    assert.match(id, /^\d{2}03E\d{7}[A-Z]$/, id);
    assert.equal(id.slice(0, 2), date.slice(2, 4), `${id}: year of ${date}`);
    const ep = Number(c.conso_5_usages_ep_m2);
    const ef = Number(c.conso_5_usages_ef_m2);
    const ges = Number(c.emission_ges_5_usages_m2);
    assert.equal(
      c.classe_bilan_dpe,
      'ABCDEFG'[classRank(ep, ges)],
      `${id}: class of ${ep} kWh and ${ges} kg`,
    );
    assert.equal(c.classe_emission_ges, 'ABCDEFG'[rank(ges, GES_UPPER)], `${id}: GES class of ${ges} kg`);
    const f = factorOn(date);
    if (ELECTRIC.has(c.type_energie_chauffage!))
      assert.ok(Math.abs(ep - f * ef) <= 0.2, `${id}: ${ep} ≠ ${f} × ${ef}`);
    else {
      const share = (ep / ef - 1) / (f - 1);
      assert.ok(share >= 0.09 && share <= 0.36, `${id}: electricity share ${share} of EF with factor ${f}`);
    }
    if (Number(ef) > 450) gPlus++;
    const days = dayOf(c.date_reception_dpe!) - dayOf(date);
    assert.ok(days >= 0 && days <= 10, `${id}: received ${days} days after`);
    if (c.arrete_2021 === '1') {
      assert.equal(c.type_dpe, 'dpe arrêté 2021 3cl logement');
      assert.ok(date >= '2021-07-01', `${id}: 2021 method from July 2021, got ${date}`);
    } else {
      assert.equal(c.type_dpe, 'dpe 2012 3cl logement');
      assert.ok(date >= '2013-01-01' && date <= '2021-06-30', `${id}: old method dated ${date}`);
    }
    if (c.type_batiment_dpe === 'maison') assert.equal(c.numero_etage_appartement, '');
    else assert.match(c.numero_etage_appartement!, /^\d$/);
  }
  assert.ok(gPlus > 0, 'some certificates are G+ (> 450 kWh EF/m²)');
}

/** Renovation pairs are works between valid 2021 certificates: a class gain, with the 2026 factor too. */
function checkPairs(x: Export, base: boolean): void {
  const replaced = new Set([...x.certs.values()].map((c) => c.numero_dpe_remplace).filter(Boolean));
  for (const t of x.truth) {
    const b = x.certs.get(t.identifiant_dpe_avant!)!;
    const a = x.certs.get(t.identifiant_dpe_apres!)!;
    assert.ok(a && b, `${t.identifiant_dpe_avant} → ${t.identifiant_dpe_apres} are certificates`);
    const what = `${t.kind} ${b.identifiant_dpe} → ${a.identifiant_dpe}`;
    assert.equal(x.groupOf.get(b.identifiant_dpe!), t.batiment_groupe_id, what);
    assert.equal(x.groupOf.get(a.identifiant_dpe!), t.batiment_groupe_id, what);
    assert.equal(t.classe_avant, b.classe_bilan_dpe, what);
    assert.equal(t.classe_apres, a.classe_bilan_dpe, what);
    assert.equal(a.type_batiment_dpe, b.type_batiment_dpe, what);
    assert.equal(a.numero_etage_appartement, b.numero_etage_appartement, what);
    assert.ok(a.date_etablissement_dpe! > b.date_etablissement_dpe!, what);
    assert.equal(b.arrete_2021, '1', `${what}: 2021 method`);
    assert.equal(a.arrete_2021, '1', `${what}: 2021 method`);
    const gap = dayOf(a.date_etablissement_dpe!) - dayOf(b.date_etablissement_dpe!);
    if (t.kind === 'correction') {
      assert.equal(a.numero_dpe_remplace, b.identifiant_dpe, what);
      assert.ok(
        RANK(a.classe_bilan_dpe!) >= RANK(b.classe_bilan_dpe!) - 1,
        `${what}: at most a class better`,
      );
      if (base) assert.ok(gap >= 1 && gap <= 60, `${what}: ${gap} days`);
      continue;
    }
    assert.ok(!replaced.has(b.identifiant_dpe) && !replaced.has(a.identifiant_dpe), `${what}: both valid`);
    if (t.kind === 'renovation') {
      const gain = RANK(b.classe_bilan_dpe!) - RANK(a.classe_bilan_dpe!);
      assert.ok(gain >= 1 && gain <= 4, `${what}: gain of ${gain} classes`);
      assert.ok(rank2026(a) < rank2026(b), `${what}: a gain with the 2026 factor on both sides`);
      assert.ok(
        EQUIPMENT.some((k) => a[k] !== b[k]),
        `${what}: some works`,
      );
      if (base) {
        assert.ok(a.date_etablissement_dpe! <= '2025-12-31', what);
        assert.ok(gap >= 365 && gap <= 3 * 365, `${what}: ${gap} days`);
      }
    } else {
      assert.equal(t.kind, 'methode');
      assert.ok(a.date_etablissement_dpe! >= '2026-01-05' && a.date_etablissement_dpe! <= '2026-10-31', what);
      assert.ok(b.date_etablissement_dpe! < '2026-01-01', what);
      assert.equal(a.conso_5_usages_ef_m2, b.conso_5_usages_ef_m2, `${what}: same EF`);
      for (const k of EQUIPMENT) assert.equal(a[k], b[k], `${what}: same ${k}`);
      assert.ok(ELECTRIC.has(a.type_energie_chauffage!), what);
    }
  }
  // every correction is in the truth
  const corrections = new Set(
    x.truth.filter((t) => t.kind === 'correction').map((t) => t.identifiant_dpe_apres),
  );
  for (const c of x.certs.values())
    if (c.numero_dpe_remplace) assert.ok(corrections.has(c.identifiant_dpe), c.identifiant_dpe);
}

/** Dwelling of each certificate: the model's for the first millésime, then through the truth pairs. */
function dwellingsOf(histories: Map<string, DpeHistory>, truth: Row[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [bg, h] of histories) for (const c of h.certificates) out.set(c.id, `${bg}#${c.dwelling.index}`);
  for (const t of truth)
    if (!out.has(t.identifiant_dpe_apres!))
      out.set(t.identifiant_dpe_apres!, out.get(t.identifiant_dpe_avant!)!);
  return out;
}

/** Successive valid 2021 certificates of one dwelling are all in the truth, as renovation or methode. */
function checkComplete(x: Export, dwelling: Map<string, string>): void {
  const replaced = new Set([...x.certs.values()].map((c) => c.numero_dpe_remplace).filter(Boolean));
  const chains = new Map<string, Row[]>();
  for (const c of x.certs.values()) {
    if (c.arrete_2021 !== '1' || replaced.has(c.identifiant_dpe)) continue;
    const d = dwelling.get(c.identifiant_dpe!);
    if (!x.groupOf.has(c.identifiant_dpe!)) continue; // of a group gone in this millésime
    assert.ok(d, `${c.identifiant_dpe}: a dwelling`);
    (chains.get(d) ?? chains.set(d, []).get(d)!).push(c);
  }
  const listed = new Map(
    x.truth.map((t) => [`${t.identifiant_dpe_avant}>${t.identifiant_dpe_apres}`, t.kind]),
  );
  for (const chain of chains.values()) {
    chain.sort((a, b) => a.date_etablissement_dpe!.localeCompare(b.date_etablissement_dpe!));
    for (let i = 1; i < chain.length; i++) {
      const kind = listed.get(`${chain[i - 1]!.identifiant_dpe}>${chain[i]!.identifiant_dpe}`);
      assert.ok(
        kind === 'renovation' || kind === 'methode',
        `${chain[i]!.identifiant_dpe}: successive pair listed`,
      );
    }
  }
}

/** The representative certificate is the dwelling's newest valid one. */
function checkRepresentative(x: Export, dwelling: Map<string, string>): void {
  const replaced = new Set([...x.certs.values()].map((c) => c.numero_dpe_remplace).filter(Boolean));
  const newest = new Map<string, string>();
  for (const c of x.certs.values()) {
    if (c.arrete_2021 !== '1' || replaced.has(c.identifiant_dpe)) continue;
    const d = dwelling.get(c.identifiant_dpe!)!;
    if ((newest.get(d) ?? '') < c.date_etablissement_dpe!) newest.set(d, c.date_etablissement_dpe!);
  }
  for (const r of x.representative) {
    const c = x.certs.get(r.identifiant_dpe!);
    assert.ok(c, `${r.batiment_groupe_id}: its representative certificate exists`);
    for (const k of [
      'classe_bilan_dpe',
      'conso_5_usages_ep_m2',
      'conso_5_usages_ef_m2',
      'emission_ges_5_usages_m2',
      'type_energie_chauffage',
      'date_etablissement_dpe',
    ])
      assert.equal(r[k], c[k], `${r.batiment_groupe_id}: ${k}`);
    assert.ok(!replaced.has(c.identifiant_dpe) && c.arrete_2021 === '1', `${c.identifiant_dpe} is valid`);
    assert.equal(
      c.date_etablissement_dpe,
      newest.get(dwelling.get(c.identifiant_dpe!)!),
      `${c.identifiant_dpe} is the newest`,
    );
  }
}

describe('synthetic DPE histories (scale 0.05)', () => {
  const opts = { dept: '03', scale: 0.05, seed: 1 };
  let dir: string;
  let base: Export;
  let next: Export;
  const histories = new Map<string, DpeHistory>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batid-dpe-'));
    await synthesize({ ...opts, out: join(dir, 'm1') });
    await evolve({ from: join(dir, 'm1'), out: join(dir, 'm2'), seed: 2 });
    base = await readExport(join(dir, 'm1'));
    next = await readExport(join(dir, 'm2'));
    const w = syntheticWorld(opts);
    for (const t of w.towns)
      for (const g of t.groups) {
        const p = w.profileOf(g);
        if (p.hasDpe) histories.set(g.id, cachedDpeHistory(g, p, opts.seed));
      }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('the export is the model: same certificates, same pairs', () => {
    const ids = [...histories.values()].flatMap((h) => h.certificates.map((c) => c.id));
    assert.deepEqual(ids, [...base.certs.keys()]);
    const pairs = [...histories.entries()].flatMap(([bg, h]) =>
      h.pairs.map((p) => `${bg},${p.before.id},${p.after.id},${p.kind}`),
    );
    assert.deepEqual(
      pairs,
      base.truth.map(
        (t) => `${t.batiment_groupe_id},${t.identifiant_dpe_avant},${t.identifiant_dpe_apres},${t.kind}`,
      ),
    );
  });

  test('every certificate is consistent: class, EP from EF with its date’s factor, ids of 13 characters', () => {
    checkCertificates(base);
    checkCertificates(next);
  });

  test('truth pairs are what they say; no old-method or replaced certificate in a renovation', () => {
    checkPairs(base, true);
    checkPairs(next, false);
  });

  test('every successive pair of valid 2021 certificates of a dwelling is in the truth', () => {
    checkComplete(base, dwellingsOf(histories, base.truth));
    checkComplete(next, dwellingsOf(histories, next.truth));
  });

  test('the representative certificate is the first dwelling’s newest valid one, and the profile', () => {
    checkRepresentative(base, dwellingsOf(histories, base.truth));
    checkRepresentative(next, dwellingsOf(histories, next.truth));
    const w = syntheticWorld(opts);
    const rep = new Map(base.representative.map((r) => [r.batiment_groupe_id!, r]));
    let n = 0;
    for (const t of w.towns)
      for (const g of t.groups) {
        const p = w.profileOf(g);
        if (!p.hasDpe) continue;
        const r = rep.get(g.id)!;
        assert.equal(r.identifiant_dpe, histories.get(g.id)!.current.id);
        assert.equal(r.classe_bilan_dpe, p.dpe, g.id);
        assert.equal(Number(r.conso_5_usages_ep_m2), p.consoEp, g.id);
        assert.equal(Number(r.emission_ges_5_usages_m2), p.ges, g.id);
        assert.equal(r.type_energie_chauffage, p.heatingEnergy, g.id);
        n++;
      }
    assert.equal(n, base.representative.length);
  });

  test('shares per dwelling: old method ~0.3, corrections ~0.06, renovations ~0.15, re-diagnoses ~0.05 of electric', () => {
    let dwellings = 0;
    let electric = 0;
    const has = { old: 0, correction: 0, renovation: 0, methode: 0 };
    for (const h of histories.values())
      for (const d of h.dwellings) {
        dwellings++;
        const certs = h.certificates.filter((c) => c.dwelling === d);
        const kinds = new Set(h.pairs.filter((p) => p.after.dwelling === d).map((p) => p.kind));
        if (certs.some((c) => !c.method2021)) has.old++;
        if (kinds.has('correction')) has.correction++;
        if (kinds.has('renovation')) has.renovation++;
        if (ELECTRIC.has(certs[certs.length - 1]!.state.eq.heatingEnergy)) {
          electric++;
          if (kinds.has('methode')) has.methode++;
        }
        assert.ok(h.certificates.length <= 16);
      }
    const share = (n: number, of: number, lo: number, hi: number, what: string) =>
      assert.ok(n > 0 && n / of >= lo && n / of <= hi, `${what}: ${n} of ${of}`);
    share(has.old, dwellings, 0.25, 0.35, 'old method');
    share(has.correction, dwellings, 0.035, 0.085, 'corrections');
    share(has.renovation, dwellings, 0.11, 0.19, 'renovations');
    share(has.methode, electric, 0.02, 0.09, 'method-only re-diagnoses');
    const kinds = (x: Export, k: string) => x.truth.filter((t) => t.kind === k).length;
    for (const k of ['renovation', 'correction', 'methode']) assert.ok(kinds(base, k) > 0, k);
  });

  test('two apartments of one group are never ambiguous: another floor or > 12 % of surface apart', () => {
    let apartments = 0;
    for (const h of histories.values()) {
      const certs = h.certificates.map((c) => ({ c, row: base.certs.get(c.id)! }));
      for (const a of certs)
        for (const b of certs) {
          if (a.c.dwelling === b.c.dwelling) {
            const d = Math.abs(
              Number(a.row.surface_habitable_logement) - Number(b.row.surface_habitable_logement),
            );
            assert.ok(d / Number(a.row.surface_habitable_logement) <= 0.05, `${a.c.id} ~ ${b.c.id}`);
            continue;
          }
          apartments++;
          const sa = Number(a.row.surface_habitable_logement);
          const sb = Number(b.row.surface_habitable_logement);
          assert.ok(
            a.row.numero_etage_appartement !== b.row.numero_etage_appartement ||
              Math.abs(sa - sb) / Math.max(sa, sb) > 0.12,
            `${a.c.id} and ${b.c.id} look alike`,
          );
        }
      for (const d of h.dwellings)
        if (d.type === 'maison') assert.equal(h.dwellings.length, 1, 'a house is one dwelling');
    }
    assert.ok(apartments > 0);
  });

  test('evolve: new certificates after the previous latest date; old pairs renamed, new ones added', () => {
    const maxDate = [...base.certs.values()]
      .map((c) => c.date_etablissement_dpe!)
      .sort()
      .at(-1)!;
    const added = [...next.certs.values()].filter((c) => !base.certs.has(c.identifiant_dpe!));
    assert.ok(added.length > 0);
    for (const c of added) {
      const gap = dayOf(c.date_etablissement_dpe!) - dayOf(maxDate);
      assert.ok(gap >= 1 && gap <= 366, `${c.identifiant_dpe}: ${gap} days after ${maxDate}`);
    }
    for (const id of base.certs.keys()) assert.ok(next.certs.has(id), `${id} kept`);
    // old groups → new groups through the certificates they relate to
    const renamed = new Map<string, string>();
    for (const [id, bg] of base.groupOf) if (next.groupOf.has(id)) renamed.set(bg, next.groupOf.get(id)!);
    const line = (t: Row, bg: string) =>
      [bg, t.identifiant_dpe_avant, t.identifiant_dpe_apres, t.kind, t.classe_avant, t.classe_apres].join(
        ',',
      );
    const now = new Set(next.truth.map((t) => line(t, t.batiment_groupe_id!)));
    let kept = 0;
    for (const t of base.truth) {
      const bg = renamed.get(t.batiment_groupe_id!);
      if (!bg) continue;
      assert.ok(now.has(line(t, bg)), `${line(t, bg)} carried over`);
      kept++;
    }
    assert.ok(kept > 0.95 * base.truth.length, `${kept} of ${base.truth.length} pairs carried over`);
    const fresh = next.truth.filter((t) => !base.certs.has(t.identifiant_dpe_apres!));
    assert.equal(fresh.length, added.length, 'one new pair per new certificate');
    assert.equal(next.truth.length, kept + fresh.length);
    const dwellings = [...histories.values()].reduce((n, h) => n + h.dwellings.length, 0);
    const count = (k: string) => fresh.filter((t) => t.kind === k).length;
    assert.ok(
      count('renovation') / dwellings >= 0.05 && count('renovation') / dwellings <= 0.1,
      `${count('renovation')}`,
    );
    assert.ok(
      count('correction') / dwellings >= 0.005 && count('correction') / dwellings <= 0.03,
      `${count('correction')}`,
    );
  });

  test('the truth files have the documented header', async () => {
    for (const d of [base.dir, next.dir])
      assert.equal((await readFile(join(d, DPE_TRUTH_FILE), 'utf8')).split('\n')[0], DPE_TRUTH_HEADER);
  });
});

describe('synthetic DPE histories: determinism (scale 0.02)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batid-dpe-det-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('same seed, byte-identical certificates and truth, in synth and in evolve', async () => {
    for (const run of ['a', 'b']) {
      await synthesize({ dept: '03', scale: 0.02, seed: 7, out: join(dir, run) });
      await evolve({ from: join(dir, run), out: join(dir, `${run}2`), seed: 3 });
    }
    for (const [a, b] of [
      ['a', 'b'],
      ['a2', 'b2'],
    ])
      for (const f of ['dpe_logement.csv', 'rel_batiment_groupe_dpe_logement.csv', DPE_TRUTH_FILE])
        assert.ok((await readFile(join(dir, a!, f))).equals(await readFile(join(dir, b!, f))), `${a}/${f}`);
  });
});
