import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dpeClass,
  electricityFactorOn,
  epWith2026Factor,
  highAltitudeBounds,
  relabel2026,
} from '../../src/renovation/dpe-class.js';
import {
  analyseGroup,
  performanteOf,
  replacements,
  type Certificate,
} from '../../src/renovation/detect-renovations.js';

describe('DPE class (2021 method, bounds strict, worse of energy and climate)', () => {
  const CASES: [number, number | null, boolean, string][] = [
    [69.9, 5.9, false, 'A'],
    [70, 5.9, false, 'B'],
    [69.9, 6, false, 'B'],
    [109.9, 10.9, false, 'B'],
    [110, 1, false, 'C'],
    [179.9, 29.9, false, 'C'],
    [180, 1, false, 'D'],
    [249.9, 49.9, false, 'D'],
    [250, 1, false, 'E'],
    [329.9, 69.9, false, 'E'],
    [330, 1, false, 'F'],
    [419.9, 99.9, false, 'F'],
    [420, 1, false, 'G'],
    [50, 100, false, 'G'],
    [50, null, false, 'A'],
    // above 800 m in H1b, H1c, H2d: E < 390 / < 80, F < 500 / < 110
    [389.9, 79.9, true, 'E'],
    [390, 1, true, 'F'],
    [499.9, 109.9, true, 'F'],
    [500, 1, true, 'G'],
    [50, 110, true, 'G'],
  ];
  for (const [ep, ges, high, want] of CASES)
    test(`${ep} kWh EP/m², ${ges} kg CO₂/m²${high ? ' (altitude)' : ''} → ${want}`, () =>
      assert.equal(dpeClass(ep, ges, high), want));

  test('altitude bounds only above 800 m in the zones H1b, H1c and H2d', () => {
    assert.equal(highAltitudeBounds('03', 801), true); // Allier, H1c
    assert.equal(highAltitudeBounds('03', 800), false);
    assert.equal(highAltitudeBounds('67', 900), true); // Bas-Rhin, H1b
    assert.equal(highAltitudeBounds('26', 900), true); // Drôme, H2d
    assert.equal(highAltitudeBounds('06', 1200), false); // Alpes-Maritimes, H3
    assert.equal(highAltitudeBounds('03', null), false);
  });
});

describe('electricity factor 2.3 → 1.9 on 2026-01-01', () => {
  test('the factor of the certificate’s date', () => {
    assert.equal(electricityFactorOn('2025-12-31'), 2.3);
    assert.equal(electricityFactorOn('2026-01-01'), 1.9);
    assert.equal(electricityFactorOn(null), 2.3);
  });
  test('all-electric: EP = 2.3 × EF becomes 1.9 × EF', () => {
    assert.equal(epWith2026Factor(230, 100, '2024-05-01'), 190);
  });
  test('no electricity: EP = EF, unchanged', () => {
    assert.equal(epWith2026Factor(200, 200, '2024-05-01'), 200);
  });
  test('mixed: only the electric part (EP − EF) / 1.3 changes', () => {
    // 150 kWh of gas + 20 kWh of electricity: EP = 150 + 46 = 196, EF = 170
    assert.equal(epWith2026Factor(196, 170, '2024-05-01'), 188);
  });
  test('a 2026 certificate already uses 1.9', () => {
    assert.equal(epWith2026Factor(190, 100, '2026-02-01'), 190);
  });
  test('no final energy: cannot recompute', () => {
    assert.equal(epWith2026Factor(300, null, '2024-05-01'), null);
  });
  test('a label that changes with the factor alone is a change of method', () => {
    const r = relabel2026('E', 260, 113, 8, '2024-05-01');
    assert.deepEqual([r.computed, r.with2026, r.methodChange], ['E', 'D', true]);
    const same = relabel2026('D', 200, 200, 40, '2024-05-01');
    assert.deepEqual([same.with2026, same.methodChange], ['D', false]);
  });
});

describe('rénovation performante', () => {
  const CASES: [string, string, number, boolean][] = [
    ['D', 'B', 2, true], // reaches B
    ['C', 'A', 2, true],
    ['G', 'C', 4, true], // F/G → C or better
    ['F', 'C', 3, true],
    ['E', 'C', 2, true], // two classes (under constraints)
    ['G', 'E', 2, true],
    ['G', 'F', 1, false],
    ['E', 'D', 1, false],
    ['F', 'D', 2, true],
  ];
  for (const [b, a, gain, want] of CASES)
    test(`${b} → ${a} (${gain} class${gain > 1 ? 'es' : ''} of works): ${want}`, () =>
      assert.equal(performanteOf(b as 'A', a as 'A', gain).performante, want));
});

let n = 0;
function cert(
  p: Partial<Certificate> & { date: string; ep: number; ef?: number; ges?: number },
): Certificate {
  const { ep, ef, ges, ...rest } = p;
  return {
    id: `C${++n}`,
    group: 'bg1',
    method2021: true,
    replaces: null,
    type: 'appartement',
    surfaceM2: 60,
    floor: 2,
    label: dpeClass(ep, ges ?? 20),
    epM2: ep,
    efM2: ef ?? ep,
    gesM2: ges ?? 20,
    high: false,
    works: {},
    ...rest,
  };
}
const detect = (certs: Certificate[]) => analyseGroup(certs, replacements(certs));

describe('renovation detection in one building group', () => {
  test('a class gain between successive certificates of one dwelling, with what changed', () => {
    const before = cert({ date: '2022-03-01', ep: 350, works: { type_vitrage: 'simple vitrage' } });
    const after = cert({ date: '2024-06-01', ep: 150, works: { type_vitrage: 'double vitrage' } });
    const { renovations, facts } = detect([after, before]);
    assert.equal(renovations.length, 1);
    const r = renovations[0]!;
    assert.deepEqual([r.before.id, r.after.id, r.labelBefore, r.labelAfter], [before.id, after.id, 'F', 'C']);
    assert.equal(r.gainWorks, 3);
    assert.equal(r.gainMethod, 0);
    assert.equal(r.savedEpM2, 200);
    assert.deepEqual(
      r.changes.map((c) => [c.field, c.before, c.after]),
      [['type_vitrage', 'simple vitrage', 'double vitrage']],
    );
    assert.equal(r.performante, true);
    assert.equal(facts.get(before.id)!.dwelling, 1);
    assert.equal(facts.get(after.id)!.dwelling, 1);
  });

  test('a correction (numero_dpe_remplace) is never a renovation; the corrected certificate drops out', () => {
    const a = cert({ date: '2022-03-01', ep: 350 });
    const fix = cert({ date: '2022-03-20', ep: 300, replaces: a.id });
    const { renovations, facts } = detect([a, fix]);
    assert.equal(renovations.length, 0);
    assert.equal(facts.get(a.id)!.replacedBy, fix.id);
    assert.equal(facts.get(a.id)!.dwelling, null);
  });

  test('after a correction, works are measured from the correcting certificate', () => {
    const a = cert({ date: '2022-03-01', ep: 350 });
    const fix = cert({ date: '2022-03-20', ep: 300, replaces: a.id });
    const later = cert({ date: '2024-01-10', ep: 150 });
    const { renovations } = detect([a, fix, later]);
    assert.deepEqual(
      renovations.map((r) => [r.before.id, r.after.id]),
      [[fix.id, later.id]],
    );
  });

  test('certificates of the earlier method are never compared', () => {
    const old = cert({ date: '2019-03-01', ep: 450, method2021: false });
    const now = cert({ date: '2022-03-01', ep: 150 });
    assert.equal(detect([old, now]).renovations.length, 0);
  });

  test('a gain due to the 2026 electricity factor alone is not works', () => {
    // all-electric, same final energy 110 kWh/m²: EP 253 (E) in 2024, 209 (D) in 2026
    const y2024 = cert({ date: '2024-05-01', ep: 253, ef: 110, ges: 9 });
    const y2026 = cert({ date: '2026-03-01', ep: 209, ef: 110, ges: 9 });
    assert.deepEqual([y2024.label, y2026.label], ['E', 'D']);
    assert.equal(detect([y2024, y2026]).renovations.length, 0);
  });

  test('works across the change of factor: the method part is told apart', () => {
    // all-electric E (EF 140, EP 322 at 2.3) → works → 2026: EF 60, EP 114 at 1.9 (C)
    const y2024 = cert({ date: '2024-05-01', ep: 322, ef: 140, ges: 11 });
    const y2026 = cert({ date: '2026-03-01', ep: 114, ef: 60, ges: 5 });
    const [r] = detect([y2024, y2026]).renovations;
    assert.ok(r);
    // with 1.9 on both sides: 266 (E) → 114 (C): two classes of works, the label shows two too
    assert.deepEqual(
      [r.labelBefore, r.labelAfter, r.label2026Before, r.label2026After],
      ['E', 'C', 'E', 'C'],
    );
    assert.equal(r.gainWorks, 2);
    assert.equal(r.gainMethod, 0);
  });

  test('dwellings are told apart by floor, then by surface ±5 %', () => {
    const a1 = cert({ date: '2022-01-01', ep: 350, floor: 1, surfaceM2: 60 });
    const b1 = cert({ date: '2022-02-01', ep: 150, floor: 2, surfaceM2: 60 });
    const a2 = cert({ date: '2024-01-01', ep: 150, floor: 1, surfaceM2: 62.9 }); // +4.8 %
    const b2 = cert({ date: '2024-02-01', ep: 350, floor: 2, surfaceM2: 60 }); // worse: no renovation
    const c = cert({ date: '2024-03-01', ep: 100, floor: 1, surfaceM2: 70 }); // +11 %: another dwelling
    const { renovations, facts } = detect([a1, b1, a2, b2, c]);
    assert.deepEqual(
      renovations.map((r) => [r.before.id, r.after.id]),
      [[a1.id, a2.id]],
    );
    assert.deepEqual(
      [a1, a2, b1, b2, c].map((x) => facts.get(x.id)!.dwelling),
      [1, 1, 2, 2, 3],
    );
  });

  test('a house and a flat of one group are different dwellings', () => {
    const house = cert({ date: '2022-01-01', ep: 350, type: 'maison', floor: null });
    const flat = cert({ date: '2024-01-01', ep: 150, type: 'appartement', floor: null });
    assert.equal(detect([house, flat]).renovations.length, 0);
  });

  test('G+ from final energy above 450 kWh/m²', () => {
    const g = cert({ date: '2022-01-01', ep: 600, ef: 451 });
    const notG = cert({ date: '2022-01-01', ep: 600, ef: 450, type: 'maison' });
    const { facts } = detect([g, notG]);
    assert.equal(facts.get(g.id)!.gPlus, true);
    assert.equal(facts.get(notG.id)!.gPlus, false);
  });
});
