import { XlsxWriter } from '../jobs/xlsx-writer.js';
import { PROSPECT_COLUMNS, type Prospect } from './prospects.js';

/** The prospect list as an XLSX workbook: the rows, then a sheet saying what they are. */
export async function writeProspectsXlsx(rows: AsyncIterable<Prospect>, path: string): Promise<void> {
  const w = await XlsxWriter.create(path);
  try {
    const sheet = await w.sheet('Prospects', {
      columns: PROSPECT_COLUMNS.map((c) => ({
        header: c.header,
        width: Math.min(40, Math.max(12, c.header.length + 2)),
      })),
    });
    for await (const p of rows) await sheet.addRow(PROSPECT_COLUMNS.map((c) => c.value(p)));
    const about = await w.sheet('Légende', {
      columns: [
        { header: 'Sujet', width: 24 },
        { header: 'Explication', width: 110 },
      ],
    });
    await about.addRow([
      'Sélection',
      'Bâtiments à chauffage collectif au gaz ou au fioul (DPE représentatif du bâtiment) à moins de la distance demandée d’un réseau de chaleur ouvert aux raccordements, mesurée depuis l’emprise au sol.',
    ]);
    await about.addRow([
      'Sources',
      'Réseaux : France Chaleur Urbaine ; bâtiments, DPE, logements, copropriétés : BDNB (CSTB/ADEME), fichiers fonciers, RNC.',
    ]);
    await w.close();
  } catch (err) {
    await w.abort();
    throw err;
  }
}
