import type { BillInput } from '../../src/copro/energy.js';

/**
 * The worked example of issue 8: a copropriété of 1,850 m² heated in the Allier (03), collective
 * gas boiler for heating and hot water billed in m³, common-area electricity in kWh; three
 * years, the last one under the 2026 electricity factor. Degree days: reference 2,500; 2024:
 * 2,150; 2025: 2,300; 2026: 2,400. The expected figures are worked out by hand in
 * test/unit/copro-energy.test.ts.
 */
export const EXAMPLE_SURFACE = 1850;
export const EXAMPLE_DJU_REF = 2500;
export const EXAMPLE_DJU: Record<number, number> = { 2024: 2150, 2025: 2300, 2026: 2400 };
export const EXAMPLE_BILLS: BillInput[] = [
  { year: 2024, use: 'chauffage', energy: 'gaz', quantity: 14200, unit: 'm3', amount_eur: 11360 },
  { year: 2024, use: 'ecs', energy: 'gaz', quantity: 3100, unit: 'm3', amount_eur: 2480 },
  {
    year: 2024,
    use: 'electricite_communs',
    energy: 'electricite',
    quantity: 9800,
    unit: 'kWh',
    amount_eur: 1764,
  },
  { year: 2025, use: 'chauffage', energy: 'gaz', quantity: 13100, unit: 'm3', amount_eur: 14410 },
  { year: 2025, use: 'ecs', energy: 'gaz', quantity: 3050, unit: 'm3', amount_eur: 3355 },
  {
    year: 2025,
    use: 'electricite_communs',
    energy: 'electricite',
    quantity: 9500,
    unit: 'kWh',
    amount_eur: 2280,
  },
  { year: 2026, use: 'chauffage', energy: 'gaz', quantity: 12400, unit: 'm3', amount_eur: 12152 },
  { year: 2026, use: 'ecs', energy: 'gaz', quantity: 2980, unit: 'm3', amount_eur: 2920.4 },
  {
    year: 2026,
    use: 'electricite_communs',
    energy: 'electricite',
    quantity: 9200,
    unit: 'kWh',
    amount_eur: 2116,
  },
];
