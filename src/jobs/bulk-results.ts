/**
 * The result files of a bulk eligibility job, written from its stored rows (jobs.eligibility_row)
 * page by page: the input's own columns, then France Chaleur Urbaine's result columns (domain.md
 * §3) and BatID's (building, heating, FCU type, change since the last re-test). CSV is
 * `;`-separated UTF-8 with a BOM (what French spreadsheets open directly); XLSX has a legend sheet.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { BulkResult } from '../networks/bulk-eligibility.js';
import { copyValue } from '../ingest/values.js';
import { parseCopyText } from '../store/copy-text.js';
import type { Queryable, Store } from '../store/store.js';
import { XlsxWriter, type XlsxCell, type XlsxColumn, type XlsxSheet } from './xlsx-writer.js';
import { XLSX_MAX_ROWS } from './xlsx-sheet.js';

/** A result row as stored (jobs.eligibility_row): the evaluation, plus the last change a re-test found. */
export type StoredRow = BulkResult & { change: string | null };

type Cell = string | number | boolean | null;
const yesNo = (b: boolean | null) => (b === null ? null : b ? 'Oui' : 'Non');
const STATUS: Record<StoredRow['status'], string> = {
  ok: 'trouvée',
  not_geocoded: 'adresse introuvable',
  invalid: 'ligne invalide',
};

/** The result columns after the input's: header, width, value, and what it means (the legend sheet). */
export const RESULT_COLUMNS: {
  header: string;
  width: number;
  value: (r: StoredRow) => Cell;
  legend: string;
}[] = [
  {
    header: 'Adresse testée',
    width: 40,
    value: (r) => r.label,
    legend: 'L’adresse retenue par le géocodage (BAN/BDNB).',
  },
  {
    header: 'Indice de fiabilité',
    width: 12,
    value: (r) => (r.score === null ? null : Math.round(r.score * 100)),
    legend: 'Fiabilité du géocodage, de 0 à 100 (100 : le libellé exact d’une adresse).',
  },
  {
    header: 'Statut',
    width: 18,
    value: (r) => STATUS[r.status],
    legend: 'trouvée, adresse introuvable, ou ligne invalide (voir « Motif »).',
  },
  { header: 'Motif', width: 30, value: (r) => r.reason, legend: 'Pourquoi la ligne n’a pas pu être testée.' },
  {
    header: 'Raccordable à un réseau existant',
    width: 14,
    value: (r) => r.existing_status,
    legend:
      'Oui : dans un PDP ou à moins de 100 m d’un réseau (60 m à Paris) ; A confirmer : à moins de 200 m (100 m à Paris) ; Non sinon.',
  },
  {
    header: 'Distance au réseau (m)',
    width: 12,
    value: (r) => (r.distance_m !== null && r.distance_m < 1000 ? r.distance_m : null),
    legend: 'Distance au réseau retenu, donnée si elle est inférieure à 1 000 m.',
  },
  {
    header: 'Dans un PDP',
    width: 10,
    value: (r) => yesNo(r.in_pdp),
    legend:
      'Dans le périmètre de développement prioritaire d’un réseau classé : raccordement obligatoire dans certains cas.',
  },
  {
    header: 'Raccordable à un réseau en construction',
    width: 14,
    value: (r) => r.future_status,
    legend:
      'Oui : dans une zone ou un PDP de réseau en construction, ou à moins de 100 m ; A confirmer : à moins de 200 m.',
  },
  {
    header: 'Identifiant SNCU',
    width: 12,
    value: (r) => r.sncu_id,
    legend: 'Identifiant national du réseau retenu.',
  },
  { header: 'Nom du réseau', width: 30, value: (r) => r.network_name, legend: 'Nom du réseau retenu.' },
  { header: 'Gestionnaire', width: 20, value: (r) => r.operator, legend: 'Gestionnaire du réseau retenu.' },
  {
    header: 'Taux EnR&R (%)',
    width: 10,
    value: (r) => r.enrr_rate,
    legend: 'Part d’énergies renouvelables et de récupération du réseau.',
  },
  {
    header: 'Contenu CO2 ACV (g/kWh)',
    width: 12,
    value: (r) => (r.co2_acv === null ? null : Math.round(r.co2_acv * 1000)),
    legend: 'Contenu CO2 du réseau en analyse de cycle de vie.',
  },
  {
    header: 'Réseau sans tracé dans la commune',
    width: 12,
    value: (r) => yesNo(r.untraced),
    legend: 'Un réseau existe dans la commune, mais son tracé n’est pas connu.',
  },
  {
    header: 'BatID',
    width: 16,
    value: (r) => r.batid,
    legend: 'L’identifiant du bâtiment à cette adresse (ou en ce point).',
  },
  {
    header: 'Chauffage (installation)',
    width: 14,
    value: (r) => r.installation,
    legend:
      'collectif ou individuel, d’après le DPE du bâtiment : un chauffage individuel rend le raccordement rarement possible.',
  },
  {
    header: 'Chauffage (énergie)',
    width: 16,
    value: (r) => r.energy,
    legend: 'Énergie de chauffage d’après le DPE du bâtiment.',
  },
  {
    header: 'Type d’éligibilité',
    width: 30,
    value: (r) => r.type,
    legend: 'Le type France Chaleur Urbaine (11 cas).',
  },
  {
    header: 'Éligible',
    width: 9,
    value: (r) => yesNo(r.eligible),
    legend: 'Oui pour les types PDP, très proche, en zone et proche.',
  },
  { header: 'Longitude', width: 11, value: (r) => r.lon, legend: 'WGS84.' },
  { header: 'Latitude', width: 11, value: (r) => r.lat, legend: 'WGS84.' },
  { header: 'Code commune', width: 9, value: (r) => r.citycode, legend: 'Code INSEE.' },
  {
    header: 'Évolution',
    width: 40,
    value: (r) => r.change,
    legend: 'Le changement de résultat depuis le test précédent, après une mise à jour des réseaux.',
  },
  {
    header: 'Ligne du fichier',
    width: 8,
    value: (r) => r.line,
    legend: 'Numéro de la ligne dans le fichier envoyé.',
  },
];

const PAGE = 20_000;

/** How a stored column's COPY text becomes a value (`storedRowOf`). */
const NUM = (v: string | null) => (v === null ? null : Number(v));
const BOOL = (v: string | null) => (v === null ? null : v === 't');
const JSON_ARRAY = (v: string | null) => (v === null ? [] : JSON.parse(v));

/** The columns of jobs.eligibility_row an evaluation writes (after job_id), in COPY order. */
export const RESULT_FIELDS: readonly (keyof BulkResult)[] = [
  'row_no',
  'line',
  'fields',
  'input',
  'status',
  'reason',
  'label',
  'score',
  'lon',
  'lat',
  'citycode',
  'batid',
  'installation',
  'energy',
  'type',
  'eligible',
  'distance_m',
  'id_fcu',
  'sncu_id',
  'network_name',
  'operator',
  'enrr_rate',
  'co2_acv',
  'in_pdp',
  'existing_status',
  'future_status',
  'untraced',
  'networks_version',
];
/** The columns of jobs.eligibility_row a job writes by COPY, in order: its id, then the RESULT_FIELDS. */
export const RESULT_COPY_COLUMNS = ['job_id', ...RESULT_FIELDS];

/**
 * Evaluated rows as COPY text in RESULT_COPY_COLUMNS order, in UTF-8 bytes: what a job hands to
 * the database and to its workbook's worker. Each line is encoded as soon as it is made (text gathered line after line is one
 * string of thousands of pieces, which costs more to flatten than to build; see xlsx-sheet.ts).
 */
export function resultCopyBytes(jobId: string, rows: readonly BulkResult[]): Buffer {
  let buf = Buffer.allocUnsafe(Math.max(64 * 1024, rows.length * 512));
  let used = 0;
  for (const r of rows) {
    const rec = r as unknown as Record<string, unknown>;
    const line = `${RESULT_COPY_COLUMNS.map((c) => copyValue(c === 'job_id' ? jobId : rec[c])).join('\t')}\n`;
    const most = line.length * 3; // UTF-8 bytes of a UTF-16 code unit, at most
    if (used + most > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, used + most));
      buf.copy(bigger, 0, 0, used);
      buf = bigger;
    }
    used += buf.write(line, used);
  }
  return buf.subarray(0, used);
}

/** Read back (`storedRowOf`): the evaluation, then the last change a re-test found. */
export const STORED_COLUMNS: readonly (keyof StoredRow)[] = [...RESULT_FIELDS, 'change'];
const STORED_SQL = STORED_COLUMNS.join(', ');

/** The rows of `resultCopyBytes` as they will be read back (no `change` yet: only a re-test sets it). */
export function resultRowsOfCopy(copy: Uint8Array): StoredRow[] {
  const text = Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength).toString('utf8');
  // after the job id
  return parseCopyText(text).map((f) => storedRowAt(f, 1));
}

/** A stored row from its COPY fields, in STORED_COLUMNS order (the evaluation's, then `change`). */
export function storedRowOf(f: readonly (string | null)[]): StoredRow {
  return storedRowAt(f, 0);
}

/** Where each stored column is among a row's fields (STORED_COLUMNS order). */
const POSITION = Object.fromEntries(STORED_COLUMNS.map((k, i) => [k, i])) as Record<keyof StoredRow, number>;

/**
 * The stored row whose fields start at `f[at]`. Written out rather than looped over the columns:
 * one object shape, no keyed stores — it runs for every row of a job's workbook.
 */
function storedRowAt(f: readonly (string | null)[], at: number): StoredRow {
  const v = (k: keyof StoredRow) => f[at + POSITION[k]] ?? null;
  return {
    row_no: NUM(v('row_no'))!,
    line: NUM(v('line'))!,
    fields: JSON_ARRAY(v('fields')) as string[],
    input: v('input'),
    status: v('status') as StoredRow['status'],
    reason: v('reason'),
    label: v('label'),
    score: NUM(v('score')),
    lon: NUM(v('lon')),
    lat: NUM(v('lat')),
    citycode: v('citycode'),
    batid: v('batid'),
    installation: v('installation'),
    energy: v('energy'),
    type: v('type'),
    eligible: BOOL(v('eligible')),
    distance_m: NUM(v('distance_m')),
    id_fcu: NUM(v('id_fcu')),
    sncu_id: v('sncu_id'),
    network_name: v('network_name'),
    operator: v('operator'),
    enrr_rate: NUM(v('enrr_rate')),
    co2_acv: NUM(v('co2_acv')),
    in_pdp: BOOL(v('in_pdp')),
    existing_status: v('existing_status') as StoredRow['existing_status'],
    future_status: v('future_status') as StoredRow['future_status'],
    untraced: BOOL(v('untraced')),
    networks_version: NUM(v('networks_version'))!,
    change: v('change'),
  };
}

/**
 * The stored rows of a job in order, a page at a time, read with COPY (a 100k-row job in about a
 * second on PGlite, where a query took seconds).
 */
export async function* storedRows(db: Store, jobId: string, page = PAGE): AsyncIterable<StoredRow[]> {
  let after = -1;
  for (;;) {
    const raw = await db.copyOut(
      `SELECT ${STORED_SQL} FROM jobs.eligibility_row WHERE job_id = $1 AND row_no > $2 ORDER BY row_no LIMIT ${page}`,
      [jobId, after],
    );
    if (!raw.length) return;
    const rows = raw.map((f) => storedRowOf(f));
    yield rows;
    after = rows[rows.length - 1]!.row_no;
  }
}

async function inputHeader(db: Queryable, jobId: string): Promise<string[]> {
  const [j] = await db.query<{ header: string[] | null }>(
    `SELECT reading->'header' AS header FROM jobs.job WHERE id = $1`,
    [jobId],
  );
  return j?.header ?? [];
}

function csvCell(v: Cell): string {
  if (v === null) return '';
  const s = typeof v === 'boolean' ? (v ? 'Oui' : 'Non') : String(v);
  return /[;"\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes the CSV to a stream (not ended). */
export async function writeResultsCsv(db: Store, jobId: string, out: Writable): Promise<void> {
  const header = await inputHeader(db, jobId);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(`\ufeff${[...header, ...RESULT_COLUMNS.map((c) => c.header)].map(csvCell).join(';')}\r\n`);
  for await (const page of storedRows(db, jobId)) {
    let s = '';
    for (const r of page) {
      const own = header.map((_h, i) => r.fields[i] ?? null);
      s += `${[...own, ...RESULT_COLUMNS.map((c) => c.value(r))].map(csvCell).join(';')}\r\n`;
    }
    await write(s);
  }
}

export async function writeResultsCsvFile(db: Store, jobId: string, path: string): Promise<void> {
  const out = createWriteStream(path);
  await writeResultsCsv(db, jobId, out);
  out.end();
  await once(out, 'finish');
}

/**
 * The results workbook being written to a file: « Résultats » (the input's columns, then the
 * result columns) as rows arrive in order — past Excel's 1,048,576 rows a sheet, on « Résultats
 * (2) », « Résultats (3) »… with the same header —, then « Légende » at `close`. Written from the
 * stored rows (`writeResultsXlsx`) or while a job runs (results-xlsx-worker.ts).
 */
export class ResultsWorkbook {
  private sheets = 1;

  private constructor(
    private readonly w: XlsxWriter,
    private sheet: XlsxSheet,
    private readonly header: readonly string[],
    private readonly columns: XlsxColumn[],
    private readonly rowsPerSheet: number,
  ) {}

  /** `rowsPerSheet`: data rows a sheet holds before the next one starts (Excel's limit by default). */
  static async create(
    path: string,
    header: readonly string[],
    opts: { rowsPerSheet?: number } = {},
  ): Promise<ResultsWorkbook> {
    const rowsPerSheet = opts.rowsPerSheet ?? XLSX_MAX_ROWS - 1;
    if (!Number.isInteger(rowsPerSheet) || rowsPerSheet < 1 || rowsPerSheet > XLSX_MAX_ROWS - 1)
      throw new RangeError(`rowsPerSheet: ${rowsPerSheet}, expected 1 to ${XLSX_MAX_ROWS - 1}`);
    const w = await XlsxWriter.create(path);
    try {
      const columns = [
        ...header.map((h) => ({ header: h, width: Math.min(40, Math.max(10, h.length + 2)) })),
        ...RESULT_COLUMNS.map((c) => ({ header: c.header, width: c.width })),
      ];
      const sheet = await w.sheet('Résultats', { columns });
      return new ResultsWorkbook(w, sheet, header, columns, rowsPerSheet);
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  async add(rows: readonly StoredRow[]): Promise<void> {
    // one array for every row: addRow turns it into XML before it returns
    const h = this.header.length;
    const cells: XlsxCell[] = new Array<XlsxCell>(h + RESULT_COLUMNS.length);
    for (const r of rows) {
      // the header row counts in a sheet's rows
      if (this.sheet.rowCount > this.rowsPerSheet)
        this.sheet = await this.w.sheet(`Résultats (${++this.sheets})`, { columns: this.columns });
      for (let i = 0; i < h; i++) cells[i] = r.fields[i] ?? null;
      for (let j = 0; j < RESULT_COLUMNS.length; j++) cells[h + j] = RESULT_COLUMNS[j]!.value(r);
      await this.sheet.addRow(cells);
    }
  }

  /** Writes the legend sheet and closes the file. */
  async close(): Promise<void> {
    const legend = await this.w.sheet('Légende', {
      columns: [
        { header: 'Colonne', width: 36 },
        { header: 'Signification', width: 110 },
      ],
    });
    await legend.addRow([
      '(colonnes du fichier envoyé)',
      'Reprises telles quelles, dans le même ordre, une ligne par ligne du fichier.',
    ]);
    if (this.sheets > 1)
      await legend.addRow([
        `(feuilles Résultats à Résultats (${this.sheets}))`,
        `Une feuille tient au plus ${this.rowsPerSheet.toLocaleString('fr-FR')} lignes : les lignes suivantes continuent sur la feuille d’après, dans l’ordre du fichier.`,
      ]);
    for (const c of RESULT_COLUMNS) await legend.addRow([c.header, c.legend]);
    await legend.addRow([
      'Source',
      'Réseaux : France Chaleur Urbaine (open data) ; adresses : BAN/BDNB ; chauffage : DPE (ADEME, via la BDNB). Règles d’éligibilité de France Chaleur Urbaine.',
    ]);
    await this.w.close();
  }

  /** Stops writing and deletes the partial file. */
  abort(): Promise<void> {
    return this.w.abort();
  }
}

/** Writes the XLSX of a job from its stored rows. */
export async function writeResultsXlsx(db: Store, jobId: string, path: string): Promise<void> {
  const book = await ResultsWorkbook.create(path, await inputHeader(db, jobId));
  try {
    for await (const page of storedRows(db, jobId)) await book.add(page);
    await book.close();
  } catch (err) {
    await book.abort();
    throw err;
  }
}
