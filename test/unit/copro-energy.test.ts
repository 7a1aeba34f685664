import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  beforeAfter,
  computeYears,
  EnergyInputError,
  validateBill,
  yearsCsv,
  type BillInput,
} from '../../src/copro/energy.js';
import { EXAMPLE_BILLS, EXAMPLE_DJU, EXAMPLE_DJU_REF, EXAMPLE_SURFACE } from '../helpers/copro-example.js';

const TODAY = new Date('2027-06-01T00:00:00Z');
const near = (actual: number | null, expected: number, what: string, tol = 0.051) =>
  assert.ok(
    actual !== null && Math.abs(actual - expected) <= tol,
    `${what}: got ${actual}, expected ${expected}`,
  );

const SURFACE = EXAMPLE_SURFACE;
const DJU_REF = EXAMPLE_DJU_REF;
const DJU = EXAMPLE_DJU;
const BILLS = EXAMPLE_BILLS;

describe('copro energy record: worked example checked by hand', () => {
  const bills = BILLS.map((b, i) => validateBill(b, `bills[${i}]`, TODAY));
  const years = computeYears(bills, (y) => ({
    surface_m2: SURFACE,
    dju: { dju_year: DJU[y]!, dju_reference: DJU_REF },
  }));

  test('one result per year, oldest first', () => {
    assert.deepEqual(
      years.map((y) => y.year),
      [2024, 2025, 2026],
    );
  });

  test('2024: gas m³ → kWh PCS → kWh PCI, electricity factor 2.3', () => {
    const y = years[0]!;
    // by hand: 14,200 m³ × 12.91 = 183,322 kWh PCS; ÷ 1.11 = 165,154.95 kWh PCI
    const heat = 183322 / 1.11;
    // 3,100 m³ × 12.91 = 40,021 kWh PCS; ÷ 1.11 = 36,054.95 kWh PCI
    const ecs = 40021 / 1.11;
    near(y.kwh_final_by_use.chauffage, 165155.0, 'heating kWh');
    near(y.kwh_final_by_use.ecs, 36055.0, 'hot water kWh');
    near(y.kwh_final_by_use.electricite_communs, 9800, 'common electricity kWh');
    // total final: 165,154.95 + 36,054.95 + 9,800 = 211,009.9
    near(y.kwh_final, 211009.9, 'final kWh');
    // primary, 2024 rule: gas × 1 + 9,800 × 2.3 = 201,209.9 + 22,540 = 223,749.9
    assert.equal(y.electricity_factor, 2.3);
    near(y.kwh_ep, 223749.9, 'primary kWh');
    near(y.kwh_ep_m2, 120.9, 'kWh EP/m² (223,749.9 / 1,850 = 120.95 → 120.9)');
    // the 2026 factor on the same year: 201,209.9 + 9,800 × 1.9 = 219,829.9 → 118.8 /m²
    near(y.kwh_ep_m2_factor_1_9, 118.8, 'kWh EP/m² with factor 1.9');
    near(y.kwh_ep_m2_factor_2_3, 120.9, 'kWh EP/m² with factor 2.3');
    // climate: heating only × 2,500 / 2,150 = × 1.16279 → 165,154.95 × 1.16279 = 192,040.6
    near(y.climate.ratio, 1.1628, 'DJU ratio', 0.0001);
    near(y.climate.kwh_final_chauffage_corrige, 192040.6, 'corrected heating');
    near(y.climate.kwh_final_corrige, 237895.6, 'corrected final (211,009.9 − 165,155.0 + 192,040.6)');
    // corrected primary: 223,749.9 − 165,155.0 + 192,040.6 = 250,635.6 → 135.5 /m²
    near(y.climate.kwh_ep_m2_corrige, 135.5, 'corrected kWh EP/m²');
    // € 11,360 + 2,480 + 1,764 = 15,604 → 8.43 €/m²
    assert.equal(y.eur, 15604);
    assert.equal(y.eur_m2, 8.43);
    // CO₂: gas 201,209.9 × 0.227 = 45,674.6; common electricity 9,800 × 0.064 = 627.2 → 46,301.8
    near(y.co2_kg, 46301.8, 'kg CO2');
    near(y.co2_kg_m2, 25.0, 'kg CO2/m²');
    // label from corrected values: 135.5 kWh/m² → C; CO₂ with heating corrected
    // (46,301.8 − 37,490.2 + 43,593.2) / 1,850 = 28.3 → C
    assert.equal(y.label_estime, 'C');
    assert.equal(y.label_basis, 'corrige');
    assert.ok(heat > 0 && ecs > 0);
  });

  test('2025: same rule, different winter', () => {
    const y = years[1]!;
    // 13,100 × 12.91 = 169,121 PCS → 152,361.3 PCI; 3,050 × 12.91 = 39,375.5 PCS → 35,473.4 PCI
    near(y.kwh_final_by_use.chauffage, 152361.3, 'heating kWh');
    near(y.kwh_final_by_use.ecs, 35473.4, 'hot water kWh');
    near(y.kwh_final, 197334.7, 'final kWh (152,361.3 + 35,473.4 + 9,500)');
    // primary: 187,834.7 + 9,500 × 2.3 = 209,684.7 → 113.3 /m²
    near(y.kwh_ep_m2, 113.3, 'kWh EP/m²');
    // climate: × 2,500 / 2,300 = 1.08696 → heating 165,610.1
    near(y.climate.kwh_final_chauffage_corrige, 165610.1, 'corrected heating');
    // corrected primary: 209,684.7 − 152,361.3 + 165,610.1 = 222,933.5 → 120.5 /m²
    near(y.climate.kwh_ep_m2_corrige, 120.5, 'corrected kWh EP/m²');
    assert.equal(y.eur, 20045);
    assert.equal(y.eur_m2, 10.84);
    // CO₂: 187,834.7 × 0.227 = 42,638.5 + 9,500 × 0.064 = 608 → 43,246.5
    near(y.co2_kg, 43246.5, 'kg CO2');
    assert.equal(y.label_estime, 'C');
  });

  test('2026: the electricity factor of the year is 1.9', () => {
    const y = years[2]!;
    // 12,400 × 12.91 = 160,084 PCS → 144,219.8 PCI; 2,980 × 12.91 = 38,471.8 PCS → 34,659.3 PCI
    near(y.kwh_final, 188079.1, 'final kWh (144,219.8 + 34,659.3 + 9,200)');
    assert.equal(y.electricity_factor, 1.9);
    // primary: 178,879.1 + 9,200 × 1.9 = 196,359.1 → 106.1 /m²; with 2.3: 200,039.1 → 108.1 /m²
    near(y.kwh_ep, 196359.1, 'primary kWh');
    near(y.kwh_ep_m2, 106.1, 'kWh EP/m²');
    near(y.kwh_ep_m2_factor_2_3, 108.1, 'kWh EP/m² factor 2.3');
    near(y.kwh_ep_m2_factor_1_9, 106.1, 'kWh EP/m² factor 1.9');
    // climate: × 2,500 / 2,400 → heating 150,229.0; primary 196,359.1 − 144,219.8 + 150,229.0 = 202,368.3 → 109.4
    near(y.climate.kwh_final_chauffage_corrige, 150229.0, 'corrected heating');
    near(y.climate.kwh_ep_m2_corrige, 109.4, 'corrected kWh EP/m²');
    // € 12,152 + 2,920.40 + 2,116 = 17,188.40 → 9.29 €/m²
    assert.equal(y.eur, 17188.4);
    assert.equal(y.eur_m2, 9.29);
    // energy says B (109.4 < 110) but CO₂ says C ((40,605.6 − 32,737.9 + 34,102.0 + 588.8) / 1,850 = 23.0):
    // the label is the worse of the two
    assert.equal(y.label_estime, 'C');
  });

  test('before / after works done in 2025: 2024 against 2026, climate-corrected', () => {
    const ba = beforeAfter(years, { date: '2025-06-30', label: 'isolation', source: 'travaux saisis' });
    assert.deepEqual(ba.before_years, [2024]);
    assert.deepEqual(ba.after_years, [2026]);
    assert.equal(ba.basis, 'corrige');
    // 237,895.6 before; after 188,079.1 − 144,219.8 + 150,229.0 = 194,088.3; saved 43,807.3 = 18.4 %
    near(ba.kwh_final_before, 237895.6, 'before');
    near(ba.kwh_final_after, 194088.3, 'after');
    near(ba.kwh_saved_per_year, 43807.3, 'saved', 0.15);
    near(ba.saving_pct, 18.4, 'saving %');
  });

  test('CSV: one line per year with the same values', () => {
    const csv = yearsCsv(years)
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    assert.equal(csv.length, 4);
    const head = csv[0]!.split(';');
    const y2024 = Object.fromEntries(csv[1]!.split(';').map((v, i) => [head[i], v]));
    assert.equal(y2024.annee, '2024');
    assert.equal(y2024.kwh_ep_m2_corrige, '135.5');
    assert.equal(y2024.etiquette_estimee, 'C');
  });
});

describe('copro energy: other units, networks, missing degree days', () => {
  test('fuel litres, pellets tonnes, logs stères, propane kg', () => {
    const b = (energy: string, quantity: number, unit: string) =>
      validateBill({ year: 2024, use: 'chauffage', energy, quantity, unit, amount_eur: 0 }, 'b', TODAY)
        .kwh_final;
    assert.equal(b('fioul', 1000, 'L'), 9970);
    assert.equal(b('bois_granules', 2, 't'), 9200);
    assert.equal(b('bois_buches', 10, 'stere'), 16800);
    assert.equal(b('gpl', 100, 'kg'), 1380);
    near(b('gaz', 1110, 'kWh_PCS'), 1000, 'kWh PCS → PCI', 1e-9);
    assert.equal(b('reseau_chaleur', 12.5, 'MWh'), 12500);
  });

  test('heat network CO₂: the network’s own content, else 0.385', () => {
    const bills = [
      validateBill(
        {
          year: 2024,
          use: 'chauffage',
          energy: 'reseau_chaleur',
          quantity: 100,
          unit: 'MWh',
          amount_eur: 9000,
        },
        'b',
        TODAY,
      ),
    ];
    const own = computeYears(bills, () => ({ surface_m2: 1000, network_co2: 0.1 }))[0]!;
    const dflt = computeYears(bills, () => ({ surface_m2: 1000 }))[0]!;
    assert.equal(own.co2_kg, 10000);
    assert.equal(dflt.co2_kg, 38500);
    // no degree days: no correction, said so, label from raw values
    assert.equal(dflt.climate.kwh_ep_m2_corrige, null);
    assert.match(dflt.climate.missing!, /degrés-jours de 2024 inconnus/);
    assert.equal(dflt.label_basis, 'brut');
  });

  test('errors name the field', () => {
    const bad = (patch: Partial<BillInput>, field: string) =>
      assert.throws(
        () =>
          validateBill(
            { year: 2024, use: 'chauffage', energy: 'gaz', quantity: 1, unit: 'm3', amount_eur: 1, ...patch },
            'bills[3]',
            TODAY,
          ),
        (e: unknown) => e instanceof EnergyInputError && e.field === field && e.message.startsWith(field),
      );
    bad({ quantity: -1 }, 'bills[3].quantity');
    bad({ amount_eur: -5 }, 'bills[3].amount_eur');
    bad({ energy: 'uranium' }, 'bills[3].energy');
    bad({ unit: 'L' }, 'bills[3].unit');
    bad({ year: 2028 }, 'bills[3].year');
    bad({ use: 'cuisine' }, 'bills[3].use');
    bad({ use: 'electricite_communs' }, 'bills[3].energy');
    bad({ quantity: Number.NaN }, 'bills[3].quantity');
  });
});
