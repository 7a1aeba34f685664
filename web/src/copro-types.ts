/** Shapes of the energy follow-up and project routes: the server's own types (src/copro/). */
import { parisDate } from '../../src/copro/energy.js';

export type { BeforeAfter, EnergyYear } from '../../src/copro/energy.js';
export type {
  EnergyRecordResponse as EnergyFile,
  Project,
  ProjectDashboard,
  ProjectDetail,
  StoredBill,
} from '../../src/copro/api-types.js';

/** French names of the energies and units of the bills. */
export const ENERGY_LABELS: Record<string, string> = {
  gaz: 'Gaz naturel',
  fioul: 'Fioul',
  electricite: 'Électricité',
  reseau_chaleur: 'Réseau de chaleur',
  bois_buches: 'Bois (bûches)',
  bois_granules: 'Bois (granulés)',
  bois_plaquettes: 'Bois (plaquettes)',
  gpl: 'GPL (propane)',
  charbon: 'Charbon',
};
export const UNIT_LABELS: Record<string, string> = {
  kWh: 'kWh',
  MWh: 'MWh',
  kWh_PCS: 'kWh PCS',
  MWh_PCS: 'MWh PCS',
  m3: 'm³',
  L: 'litres',
  kg: 'kg',
  t: 'tonnes',
  stere: 'stères',
};

/** Today as the API counts it (the date in metropolitan France), YYYY-MM-DD. */
export const todayIso = (): string => parisDate();
