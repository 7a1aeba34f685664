import { hash53 } from '../util/hash.js';
import type { CsvRecord } from './csv/csv-parser.js';
import type { RejectEntry } from './rejects.js';
import type { RowMapper } from './row-mapper.js';

/** What mapping one batch of records gives: COPY text, per-row key hashes, and what went wrong. */
export interface MappedBatch {
  /** COPY text of the accepted rows, in file order. */
  copy: string;
  /** Per accepted row: end offset in `copy`, file line, key hash (NaN when the table has no key). */
  ends: Int32Array;
  lines: Int32Array;
  hashes: Float64Array;
  issues: Omit<RejectEntry, 'file'>[];
  rejected: number;
  warnings: number;
  reprojected: number;
  depts: string[];
}

/** Maps records to COPY lines (pure: used in the main thread and in map workers alike). */
export function mapBatch(mapper: RowMapper, records: readonly CsvRecord[]): MappedBatch {
  const parts: string[] = [];
  const ends: number[] = [];
  const lines: number[] = [];
  const hashes: number[] = [];
  const issues: MappedBatch['issues'] = [];
  const depts = new Set<string>();
  let offset = 0;
  let rejected = 0;
  let warnings = 0;
  let reprojected = 0;
  for (const rec of records) {
    if (rec.error !== undefined) {
      rejected++;
      issues.push({ line: rec.line, column: null, severity: 'rejected', reason: rec.error, raw: rec.raw });
      continue;
    }
    const m = mapper.map(rec.fields);
    if (!m.ok) {
      rejected++;
      issues.push({
        line: rec.line,
        column: m.issue.column,
        severity: 'rejected',
        reason: m.issue.reason,
        raw: rec.raw,
      });
      continue;
    }
    const row = m.row;
    for (const w of row.warnings) {
      warnings++;
      issues.push({ line: rec.line, column: w.column, severity: 'warning', reason: w.reason, raw: '' });
    }
    if (row.reprojected) reprojected++;
    depts.add(row.dept);
    parts.push(row.copy);
    offset += row.copy.length;
    ends.push(offset);
    lines.push(rec.line);
    hashes.push(row.key === null ? NaN : hash53(row.key));
  }
  return {
    copy: parts.join(''),
    ends: Int32Array.from(ends),
    lines: Int32Array.from(lines),
    hashes: Float64Array.from(hashes),
    issues,
    rejected,
    warnings,
    reprojected,
    depts: [...depts],
  };
}
