/**
 * A bulk eligibility job's stored results (jobs.eligibility_chunk, by chunk of rows), and its
 * result files written from them page by page: the input's own columns, then France Chaleur
 * Urbaine's result columns (domain.md §3) and BatID's (building, heating, FCU type, change since
 * the last re-test). CSV is `;`-separated UTF-8 with a BOM (what French spreadsheets open
 * directly); XLSX has a legend sheet.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { BulkResult } from '../networks/bulk-eligibility.js';
import { copyText, copyValue } from '../ingest/values.js';
import type { Queryable, Store } from '../store/store.js';
import { XlsxWriter, type XlsxCell, type XlsxColumn, type XlsxSheet } from './xlsx-writer.js';
import { XLSX_MAX_ROWS } from './xlsx-sheet.js';

/** What a re-test sets on a row whose answer changed (retest.ts): its type before, the transition, when. */
export interface Retested {
  previous_type: string | null;
  change: string | null;
  /** ISO 8601, UTC */
  changed_at: string | null;
}

/** A result row as stored (jobs.eligibility_chunk): the evaluation, plus the last change a re-test found. */
export type StoredRow = BulkResult & Retested;

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

/** The columns of an evaluation (networks/bulk-eligibility.ts BulkResult), in stored order. */
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

/**
 * A stored row's entries in its chunk's body (migration 0023, whose view `jobs.eligibility_row`
 * reads them by these positions): the evaluation's, then what a re-test sets.
 */
export const STORED_COLUMNS: readonly (keyof StoredRow)[] = [
  ...RESULT_FIELDS,
  'previous_type',
  'change',
  'changed_at',
];

/**
 * A stored row as its array in a chunk's body (STORED_COLUMNS order), written out: it runs for
 * every row of a job. Two entries are left out, as `storedRowOf` reads them back (migration 0025,
 * 2026-12-04: a 100,000-row job's bodies went from 29 to 24 MB, less to encode, store and parse):
 * the input of a row found as written (null: its label says it — a found row always has an input)
 * and, after `networks_version`, what a re-test sets while it has set nothing.
 */
function storedArray(r: BulkResult & Partial<Retested>): unknown[] {
  const a = [
    r.row_no,
    r.line,
    r.fields,
    r.status === 'ok' && r.input === r.label ? null : r.input,
    r.status,
    r.reason,
    r.label,
    r.score,
    r.lon,
    r.lat,
    r.citycode,
    r.batid,
    r.installation,
    r.energy,
    r.type,
    r.eligible,
    r.distance_m,
    r.id_fcu,
    r.sncu_id,
    r.network_name,
    r.operator,
    r.enrr_rate,
    r.co2_acv,
    r.in_pdp,
    r.existing_status,
    r.future_status,
    r.untraced,
    r.networks_version,
  ];
  if (r.previous_type != null || r.change != null || r.changed_at != null)
    a.push(r.previous_type ?? null, r.change ?? null, r.changed_at ?? null);
  return a;
}

/** Where each stored column is in a row's array (STORED_COLUMNS order). */
const POSITION = Object.fromEntries(STORED_COLUMNS.map((k, i) => [k, i])) as Record<keyof StoredRow, number>;

/**
 * The stored row of an array of a chunk's body. Written out rather than looped over the columns:
 * one object shape, no keyed stores — it runs for every row of a job's workbook.
 */
export function storedRowOf(a: readonly unknown[]): StoredRow {
  const v = <K extends keyof StoredRow>(k: K) => (a[POSITION[k]] ?? null) as StoredRow[K];
  return {
    row_no: v('row_no'),
    line: v('line'),
    fields: v('fields') ?? [],
    input: v('input') ?? (v('status') === 'ok' ? v('label') : null),
    status: v('status'),
    reason: v('reason'),
    label: v('label'),
    score: v('score'),
    lon: v('lon'),
    lat: v('lat'),
    citycode: v('citycode'),
    batid: v('batid'),
    installation: v('installation'),
    energy: v('energy'),
    type: v('type'),
    eligible: v('eligible'),
    distance_m: v('distance_m'),
    id_fcu: v('id_fcu'),
    sncu_id: v('sncu_id'),
    network_name: v('network_name'),
    operator: v('operator'),
    enrr_rate: v('enrr_rate'),
    co2_acv: v('co2_acv'),
    in_pdp: v('in_pdp'),
    existing_status: v('existing_status'),
    future_status: v('future_status'),
    untraced: v('untraced'),
    networks_version: v('networks_version'),
    previous_type: v('previous_type'),
    change: v('change'),
    changed_at: v('changed_at'),
  };
}

/** The rows of a chunk's body. */
export function rowsOfBody(body: string): StoredRow[] {
  return (JSON.parse(body) as unknown[][]).map(storedRowOf);
}

/** A chunk of a job's results as stored (jobs.eligibility_chunk, migration 0023): its rows and their counts. */
export interface ResultChunk {
  firstRow: number;
  rows: number;
  tested: number;
  notGeocoded: number;
  invalid: number;
  eligible: number;
  changed: number;
  networksVersion: number;
  /** JSON: the rows' arrays (STORED_COLUMNS order); what the workbook's worker reads too */
  body: string;
}

/**
 * Consecutive rows (one evaluation, or one chunk re-tested) as a chunk. Its networks version is
 * the oldest its found rows were decided on (a re-test decides them all again; the others are
 * never decided).
 */
export function resultChunk(rows: readonly (BulkResult & Partial<Retested>)[]): ResultChunk {
  if (!rows.length) throw new RangeError('a chunk has rows');
  let tested = 0;
  let notGeocoded = 0;
  let eligible = 0;
  let changed = 0;
  let testedVersion = Infinity;
  let anyVersion = Infinity;
  for (const r of rows) {
    if (r.status === 'ok') {
      tested++;
      testedVersion = Math.min(testedVersion, r.networks_version);
    } else if (r.status === 'not_geocoded') notGeocoded++;
    anyVersion = Math.min(anyVersion, r.networks_version);
    if (r.eligible) eligible++;
    if (r.change) changed++;
  }
  return {
    firstRow: rows[0]!.row_no,
    rows: rows.length,
    tested,
    notGeocoded,
    invalid: rows.length - tested - notGeocoded,
    eligible,
    changed,
    networksVersion: tested ? testedVersion : anyVersion,
    body: JSON.stringify(rows.map(storedArray)),
  };
}

/** The columns of jobs.eligibility_chunk a job writes, in `chunkCopy` order. */
export const CHUNK_COPY_COLUMNS = [
  'job_id',
  'first_row',
  'rows',
  'tested',
  'not_geocoded',
  'invalid',
  'eligible',
  'changed',
  'networks_version',
  'body',
];

/**
 * A chunk as what a job sends: one COPY line for the database (CHUNK_COPY_COLUMNS) and its body
 * alone, for the workbook's worker, both as UTF-8 bytes. COPY rather than an INSERT: PGlite's
 * protocol writer measures a text parameter's UTF-8 length in a JavaScript loop, one character at
 * a time (~6 ms of its only thread for a 2,000-row body, measured); a blob goes in as it is.
 */
export function chunkCopy(jobId: string, c: ResultChunk): { line: Buffer; body: Buffer } {
  const head = [
    jobId,
    c.firstRow,
    c.rows,
    c.tested,
    c.notGeocoded,
    c.invalid,
    c.eligible,
    c.changed,
    c.networksVersion,
  ]
    .map(copyValue)
    .join('\t');
  const body = Buffer.from(c.body, 'utf8');
  // a JSON text has no raw tab or line break: only its backslashes need escaping
  const line = c.body.includes('\\')
    ? Buffer.from(`${head}\t${copyText(c.body)}\n`, 'utf8')
    : Buffer.concat([Buffer.from(`${head}\t`, 'utf8'), body, NEWLINE]);
  return { line, body };
}
const NEWLINE = Buffer.from('\n');

/** Chunks read at once by `storedRows` (~0.6 MB of body each). */
const PAGE_CHUNKS = 8;

/** The stored rows of a job in order, a page of chunks at a time. */
export async function* storedRows(
  db: Queryable,
  jobId: string,
  pageChunks = PAGE_CHUNKS,
): AsyncIterable<StoredRow[]> {
  let after = -1;
  for (;;) {
    const page = await db.query<{ first_row: number; body: string }>(
      `SELECT first_row, body FROM jobs.eligibility_chunk
        WHERE job_id = $1 AND first_row > $2 ORDER BY first_row LIMIT ${pageChunks}`,
      [jobId, after],
    );
    if (!page.length) return;
    for (const c of page) yield rowsOfBody(c.body);
    after = page[page.length - 1]!.first_row;
  }
}

/** How a job's stored rows add up (`resultCounts`). */
export interface ResultCounts {
  rows: number;
  tested: number;
  not_geocoded: number;
  invalid: number;
  eligible: number;
}

/** How a job's stored rows add up (the counts kept with its chunks). */
export async function resultCounts(db: Queryable, jobId: string): Promise<ResultCounts> {
  const [s] = await db.query<ResultCounts>(
    `SELECT coalesce(sum(rows), 0)::int AS rows, coalesce(sum(tested), 0)::int AS tested,
            coalesce(sum(not_geocoded), 0)::int AS not_geocoded, coalesce(sum(invalid), 0)::int AS invalid,
            coalesce(sum(eligible), 0)::int AS eligible
       FROM jobs.eligibility_chunk WHERE job_id = $1`,
    [jobId],
  );
  return s!;
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

/** The rows of a job whose answer a re-test changed, in order, with the transition (`GET /v1/jobs/{id}/changes`). */
export async function changedRows(
  db: Queryable,
  jobId: string,
): Promise<
  Pick<
    StoredRow,
    | 'row_no'
    | 'line'
    | 'input'
    | 'label'
    | 'batid'
    | 'previous_type'
    | 'type'
    | 'change'
    | 'networks_version'
    | 'changed_at'
  >[]
> {
  const chunks = await db.query<{ body: string }>(
    `SELECT body FROM jobs.eligibility_chunk WHERE job_id = $1 AND changed > 0 ORDER BY first_row`,
    [jobId],
  );
  return chunks.flatMap((c) =>
    rowsOfBody(c.body)
      .filter((r) => r.change !== null)
      .map((r) => ({
        row_no: r.row_no,
        line: r.line,
        input: r.input,
        label: r.label,
        batid: r.batid,
        previous_type: r.previous_type,
        type: r.type,
        change: r.change,
        networks_version: r.networks_version,
        changed_at: r.changed_at,
      })),
  );
}
