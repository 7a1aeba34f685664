import { type Crs, detectCrs, wgs84ToLambert93 } from '../geo/crs.js';
import { toHexEwkb } from '../geo/wkb.js';
import { type Geom, eachPath, isDegeneratePolygon, parseWkt } from '../geo/wkt.js';
import { DEPT_COLUMN, EXTRA_COLUMN } from './catalog/ddl.js';
import type { ColumnDef, TableDef } from './catalog/types.js';
import { DEPT_SOURCES, deptOfCommune, normaliseDept } from './dept.js';
import { isGeometryHeader } from './table-detect.js';
import {
  ValueError,
  copyText,
  extraValue,
  type CsvtType,
  parseBoolean,
  parseDate,
  parseInteger,
  parseJsonList,
  parseNumber,
} from './values.js';

/** Header names some files use for a catalogue column (BAN layout, RNB extracts, API names). */
const ALIASES: Record<string, Record<string, string>> = {
  adresse: {
    commune: 'libelle_commune',
    nom_commune: 'libelle_commune',
    code_insee: 'code_commune_insee',
    rep_numero: 'rep',
  },
};

export interface RowIssue {
  /** 1-based column number in the file, null when the row as a whole is at fault. */
  column: number | null;
  columnName: string | null;
  reason: string;
}

export interface MappedRow {
  /** One line of COPY text format, ending in `\n`. */
  copy: string;
  dept: string;
  /** Natural key as text (null when the table has none), for duplicate detection. */
  key: string | null;
  warnings: RowIssue[];
  reprojected: boolean;
}

export type MapResult = { ok: true; row: MappedRow } | { ok: false; issue: RowIssue };

type Converter = (raw: string) => string; // returns COPY text

interface Slot {
  index: number; // position in the file
  header: string;
  column: ColumnDef | null; // null: goes to extra
  convert: Converter | null;
}

const CONVERTERS: Record<Exclude<ColumnDef['type'], 'geometry'>, Converter> = {
  text: copyText,
  integer: (r) => String(parseInteger(r, 'integer')),
  bigint: (r) => String(parseInteger(r, 'bigint')),
  double: (r) => String(parseNumber(r)),
  boolean: (r) => (parseBoolean(r) ? 't' : 'f'),
  date: parseDate,
  jsonb: (r) => copyText(JSON.stringify(parseJsonList(r))),
};

const CRS_NAME: Record<Crs, string> = {
  2154: 'Lambert-93 metres',
  4326: 'WGS84 lon/lat degrees',
};

function allFinite(g: Geom): boolean {
  let ok = true;
  eachPath(g, (p) => {
    for (const v of p) if (!Number.isFinite(v)) ok = false;
  });
  return ok;
}

export interface RowMapperOptions {
  /** Département for rows that name none (from --dept or the rest of the export). */
  defaultDept: string | null;
  /** Column types from the `.csvt` beside the file, if any (they type the columns kept in `extra`). */
  csvt?: CsvtType[] | undefined;
}

/** Maps one CSV file's records to a table's COPY lines, checking every value. */
export class RowMapper {
  /** Stored columns written by COPY, in order. */
  readonly copyColumns: string[];
  /** Header names kept in `extra` because the catalogue does not know them. */
  readonly extraHeaders: string[];
  private readonly slots: Slot[];
  private readonly deptSlot: Slot | undefined;
  private readonly deptSources: Slot[];
  private readonly keySlots: Slot[];
  private readonly width: number;
  private readonly deptOut: number;

  constructor(
    readonly table: TableDef,
    readonly header: readonly string[],
    private readonly opts: RowMapperOptions,
  ) {
    const byName = new Map(table.columns.map((c) => [c.name, c]));
    const aliases = ALIASES[table.name] ?? {};
    const used = new Set<string>();
    const geomCols = table.columns.filter((c) => c.type === 'geometry');
    const names = header.map((h) =>
      h
        .replace(/^\uFEFF/, '')
        .trim()
        .toLowerCase(),
    );
    this.slots = names.map((name, index) => {
      let col = byName.get(name) ?? byName.get(aliases[name] ?? '');
      if (!col && isGeometryHeader(name))
        col = geomCols.find((g) => !used.has(g.name) && !names.includes(g.name));
      if (col && used.has(col.name)) col = undefined;
      if (col) used.add(col.name);
      const convert = col && col.type !== 'geometry' ? CONVERTERS[col.type] : null;
      return { index, header: header[index]!, column: col ?? null, convert };
    });
    this.width = header.length;
    const mapped = this.slots.filter((s) => s.column);
    this.extraHeaders = this.slots.filter((s) => !s.column).map((s) => names[s.index]!);
    this.copyColumns = mapped.map((s) => s.column!.name);
    this.deptSlot = mapped.find((s) => s.column!.name === DEPT_COLUMN);
    this.deptOut = this.deptSlot ? mapped.indexOf(this.deptSlot) : -1;
    if (!this.deptSlot) this.copyColumns.push(DEPT_COLUMN);
    this.copyColumns.push(EXTRA_COLUMN);
    this.deptSources = DEPT_SOURCES.map((c) => mapped.find((s) => s.column!.name === c)).filter(
      (s): s is Slot => !!s,
    );
    this.keySlots = table.key
      .filter((k) => k !== DEPT_COLUMN)
      .map((k) => mapped.find((s) => s.column!.name === k))
      .filter((s): s is Slot => !!s);
  }

  /** Département and key values of a COPY line this mapper wrote (to look the row up in SQL). */
  keyOfCopyLine(line: string): { dept: string; values: string[] } {
    const cells = line.replace(/\n$/, '').split('\t');
    const unescape = (v: string) =>
      v.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c);
    const at = (name: string) => unescape(cells[this.copyColumns.indexOf(name)] ?? '');
    return { dept: at(DEPT_COLUMN), values: this.keySlots.map((s) => at(s.column!.name)) };
  }

  /** Key columns the file lacks: rows can then not be told apart and are all kept. */
  missingKeyColumns(): string[] {
    return this.table.key.filter((k) => k !== DEPT_COLUMN && !this.copyColumns.includes(k));
  }

  map(fields: readonly string[]): MapResult {
    if (fields.length !== this.width) {
      return {
        ok: false,
        issue: {
          column: null,
          columnName: null,
          reason: `expected ${this.width} columns, got ${fields.length}`,
        },
      };
    }
    const out: string[] = [];
    const warnings: RowIssue[] = [];
    let extra: Record<string, unknown> | null = null;
    let reprojected = false;
    let dept: string | null = null;
    for (const slot of this.slots) {
      const raw = fields[slot.index]!;
      if (raw.includes('\uFFFD')) {
        return { ok: false, issue: this.issue(slot, 'invalid UTF-8 byte sequence') };
      }
      const nul = raw.indexOf('\u0000');
      if (nul >= 0) {
        const reason = `NUL character (U+0000) at character ${nul + 1}, which PostgreSQL cannot store`;
        return { ok: false, issue: this.issue(slot, reason) };
      }
      const col = slot.column;
      if (!col) {
        if (raw !== '')
          (extra ??= {})[slot.header.trim().toLowerCase()] = extraValue(raw, this.opts.csvt?.[slot.index]);
        continue;
      }
      if (raw === '' || (col.type !== 'text' && raw.trim() === '')) {
        out.push('\\N');
        continue;
      }
      if (col.type === 'geometry') {
        const g = this.geometry(slot, raw, warnings);
        if (typeof g !== 'string') return { ok: false, issue: g.issue };
        if (g.startsWith('R')) reprojected = true;
        out.push(g.slice(1));
        continue;
      }
      try {
        const v = slot.convert!(raw);
        if (slot === this.deptSlot) {
          dept = normaliseDept(raw);
          if (!dept) throw new ValueError(`expected a département code, got "${raw}"`);
          out.push(dept);
        } else out.push(v);
      } catch (err) {
        if (err instanceof ValueError) return { ok: false, issue: this.issue(slot, err.message) };
        throw err;
      }
    }
    if (!dept) {
      for (const s of this.deptSources) {
        const v = fields[s.index]!.replace(/^[{["\s]+/, '');
        if (s.column!.name === 'cle_interop_adr' && !/^(\d{5}|2[AB]\d{3})_/i.test(v)) continue;
        dept = deptOfCommune(v);
        if (dept) break;
      }
      dept ??= this.opts.defaultDept;
      if (!dept) {
        return {
          ok: false,
          issue: {
            column: null,
            columnName: null,
            reason:
              'no département: the row has no code_departement_insee or commune code, and none was given (--dept)',
          },
        };
      }
      if (this.deptOut >= 0) out[this.deptOut] = dept;
      else out.push(dept);
    } else if (!this.deptSlot) out.push(dept);
    out.push(extra ? copyText(JSON.stringify(extra)) : '\\N');
    let key: string | null = null;
    if (this.keySlots.length) {
      for (const s of this.keySlots) {
        if (fields[s.index]!.trim() === '')
          return { ok: false, issue: this.issue(s, 'empty, but it is the key of the row') };
      }
      key = dept;
      for (const s of this.keySlots) key += `\u0001${fields[s.index]!}`;
    }
    return { ok: true, row: { copy: `${out.join('\t')}\n`, dept, key, warnings, reprojected } };
  }

  private issue(slot: Slot, reason: string): RowIssue {
    const name = slot.header.trim();
    return { column: slot.index + 1, columnName: name, reason: `${name}: ${reason}` };
  }

  /** Returns 'L'+hex EWKB (Lambert-93 as given), 'R'+hex EWKB (reprojected), '-\N' (no geometry), or an issue. */
  private geometry(slot: Slot, raw: string, warnings: RowIssue[]): string | { issue: RowIssue } {
    const res = parseWkt(raw);
    if (!res.ok) return { issue: this.issue(slot, `invalid WKT: ${res.error}`) };
    const g = res.geom;
    if (!g) return '-\\N';
    const want = slot.column!.geometry ?? 'Geometry';
    let multi = false;
    if (want === 'MultiPolygon') {
      if (g.kind !== 'POLYGON' && g.kind !== 'MULTIPOLYGON') {
        return { issue: this.issue(slot, `expected a (MULTI)POLYGON, got ${g.kind}`) };
      }
      multi = true;
    } else if (want === 'Point' && g.kind !== 'POINT') {
      return { issue: this.issue(slot, `expected a POINT, got ${g.kind}`) };
    }
    if (g.srid !== undefined && g.srid !== 2154 && g.srid !== 4326) {
      return {
        issue: this.issue(slot, `unsupported SRID ${g.srid} (Lambert-93 2154 or WGS84 4326 expected)`),
      };
    }
    // The declared SRID wins over detection, but the coordinates must fit it: degrees in
    // [-180, 180] × [-90, 90] for 4326, metres within the Lambert-93 bounds for 2154 (the same
    // ranges detectCrs tells the two apart with, and they do not overlap).
    const detected = detectCrs(g);
    if (g.srid !== undefined && detected !== g.srid) {
      const seen = detected === null ? 'fit neither CRS' : `look like ${CRS_NAME[detected]}`;
      return {
        issue: this.issue(
          slot,
          `coordinates out of range for the declared SRID=${g.srid} (${CRS_NAME[g.srid]}): they ${seen}`,
        ),
      };
    }
    let crs = detected;
    if (crs === null) {
      return { issue: this.issue(slot, 'coordinates fit neither Lambert-93 (EPSG:2154) nor WGS84 lon/lat') };
    }
    if (crs === 4326) {
      wgs84ToLambert93(g);
      if (!allFinite(g)) return { issue: this.issue(slot, 'coordinates cannot be projected to Lambert-93') };
    }
    if (multi && isDegeneratePolygon(g)) {
      warnings.push(this.issue(slot, 'degenerate polygon (zero area): geometry left empty, row kept'));
      return '-\\N';
    }
    crs = crs === 4326 ? 4326 : 2154;
    return `${crs === 4326 ? 'R' : 'L'}${toHexEwkb(g, 2154, multi)}`;
  }
}
