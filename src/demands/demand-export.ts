/**
 * The workspace export (issue 11 §2): the demands of the key as CSV (`;`, UTF-8 with BOM, as the
 * other CSV files of BatID) or XLSX, one row per demand, French headers and labels.
 */
import { XlsxWriter, type XlsxCell } from '../jobs/xlsx-writer.js';
import { HEATING_ENERGY_LABELS, HEATING_MODE_LABELS, type DemandSummary } from './api-types.js';

interface Column {
  header: string;
  width: number;
  value: (d: DemandSummary) => XlsxCell;
}

export const DEMAND_COLUMNS: readonly Column[] = [
  { header: 'Référence', width: 38, value: (d) => d.id },
  { header: 'Date de la demande', width: 22, value: (d) => d.created_at },
  { header: 'Statut', width: 22, value: (d) => d.status_label },
  { header: 'Code statut', width: 22, value: (d) => d.status },
  { header: 'Depuis le', width: 22, value: (d) => d.status_changed_at },
  { header: 'Type de demandeur', width: 32, value: (d) => d.requester_type_label },
  { header: 'Nom', width: 24, value: (d) => d.name },
  { header: 'E-mail', width: 28, value: (d) => d.email },
  { header: 'Téléphone', width: 16, value: (d) => d.phone },
  { header: 'Adresse', width: 40, value: (d) => d.address },
  { header: 'Clé BAN', width: 22, value: (d) => d.cle_interop_adr },
  { header: 'BatID', width: 16, value: (d) => d.batid },
  { header: 'Commune (INSEE)', width: 14, value: (d) => d.code_commune_insee },
  { header: 'Département', width: 12, value: (d) => d.code_departement_insee },
  {
    header: 'Chauffage',
    width: 20,
    value: (d) => (d.heating_mode ? HEATING_MODE_LABELS[d.heating_mode] : null),
  },
  {
    header: 'Énergie',
    width: 18,
    value: (d) => (d.heating_energy ? HEATING_ENERGY_LABELS[d.heating_energy] : null),
  },
  { header: 'Logements', width: 10, value: (d) => d.dwellings },
  { header: 'Message', width: 50, value: (d) => d.message },
  { header: 'Éligibilité (type FCU)', width: 30, value: (d) => d.eligibility.type },
  { header: 'Éligible', width: 10, value: (d) => (d.eligibility.eligible ? 'Oui' : 'Non') },
  { header: 'Distance au réseau (m)', width: 14, value: (d) => d.eligibility.distance_m },
  { header: 'Réseau (SNCU)', width: 14, value: (d) => d.network?.sncu_id ?? null },
  { header: 'Nom du réseau', width: 30, value: (d) => d.network?.name ?? null },
  { header: 'Consentement le', width: 22, value: (d) => d.consent_at },
];

/** A CSV field; text a spreadsheet would run as a formula (= + - @ first) is prefixed with '. */
function csvField(v: XlsxCell): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[;"\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function demandsCsv(rows: readonly DemandSummary[]): string {
  const lines = rows.map((d) => DEMAND_COLUMNS.map((c) => csvField(c.value(d))).join(';'));
  return `\ufeff${[DEMAND_COLUMNS.map((c) => c.header).join(';'), ...lines].join('\r\n')}\r\n`;
}

export async function writeDemandsXlsx(rows: readonly DemandSummary[], path: string): Promise<void> {
  const w = await XlsxWriter.create(path);
  try {
    const sheet = await w.sheet('Demandes', {
      columns: DEMAND_COLUMNS.map((c) => ({ header: c.header, width: c.width })),
    });
    for (const d of rows) await sheet.addRow(DEMAND_COLUMNS.map((c) => c.value(d)));
    await w.close();
  } catch (err) {
    await w.abort();
    throw err;
  }
}
