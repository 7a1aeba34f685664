// Property-based tests (issue 9 §3, hostile input) of the CSV parser and the two other line
// readers built on hostile files: the bulk-eligibility upload and the Météo-France daily lines.
// No crash, no hang, every line accounted for, every bad row explained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CsvParser, detectSeparator, type CsvRecord } from '../../src/ingest/csv/csv-parser.js';
import { BulkInputError, parseBulkInput } from '../../src/jobs/bulk-input.js';
import { inFrance } from '../../src/jobs/france-coordinates.js';
import { parseMeteoHeader, parseMeteoLine, type MeteoColumns } from '../../src/copro/meteo-daily.js';
import { fuzz, textOf, timed } from '../helpers/fuzz.js';

/** Parses `text` fed in pieces cut at `cuts` (offsets, any order), then ends it. */
function parseIn(text: string, sep: string, expected: number | undefined, cuts: number[] = []): CsvRecord[] {
  const p = new CsvParser(sep, expected);
  const out: CsvRecord[] = [];
  let at = 0;
  for (const c of [...new Set(cuts.map((x) => Math.min(x, text.length)))].sort((a, b) => a - b)) {
    p.push(text.slice(at, c), out);
    at = c;
  }
  p.push(text.slice(at), out);
  p.end(out);
  return out;
}

const SEPS = [',', ';', '\t'] as const;
/** What a CSV parser cares about, plus noise: NUL, BOM, accents, a lone surrogate, long runs. */
const CSV_TOKENS = [
  'a',
  'b',
  '1',
  ' ',
  ',',
  ';',
  '\t',
  '"',
  '""',
  '\n',
  '\r\n',
  '\u0000',
  '\uFEFF',
  'é',
  '\uD800',
  'x'.repeat(300),
];
const csvText = textOf(CSV_TOKENS, 60);
/** The same with lone CRs (old Mac line ends, stray CR inside a line). */
const csvTextWithCr = textOf([...CSV_TOKENS, '\r', '\r'], 60);
const cuts = fc.array(fc.nat({ max: 400 }), { maxLength: 6 });
const expectedFields = fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined });

/** A line break: LF, CRLF or a lone CR (old Mac files), the same inside quotes and between records. */
const BREAK = /\r\n|\r|\n/g;

/**
 * Every physical line (ended by LF, CRLF or a lone CR) is either covered by exactly one record,
 * whose `raw` is that text without its final line break, or blank; records come in increasing line
 * order.
 */
function assertLinesAccounted(text: string, records: CsvRecord[]): void {
  const starts = [0];
  const ends: number[] = [];
  for (const m of text.matchAll(BREAK)) {
    ends.push(m.index);
    starts.push(m.index + m[0].length);
  }
  ends.push(text.length);
  if (starts.at(-1) === text.length && starts.length > 1) {
    starts.pop();
    ends.pop();
  }
  const blank = (l: number) =>
    assert.equal(starts[l - 1], ends[l - 1], `line ${l} is neither in a record nor blank`);
  let next = 1;
  for (const r of records) {
    assert.ok(r.line >= next, `record on line ${r.line} overlaps the one before (next free line ${next})`);
    for (let l = next; l < r.line; l++) blank(l);
    if (r.error !== undefined) assert.ok(r.error.length > 0, 'a rejected line says why');
    const span = r.raw.split(BREAK).length;
    const want = text.slice(starts[r.line - 1], ends[r.line - 2 + span]);
    assert.equal(r.raw, want, `raw text of the record on line ${r.line}`);
    next = r.line + span;
  }
  for (let l = next; l <= starts.length; l++) blank(l);
}

test('fuzz csv: arbitrary text never throws and every physical line is a record, a reject or blank', () => {
  fc.assert(
    fc.property(
      fc.oneof(csvText, csvTextWithCr),
      fc.constantFrom(...SEPS),
      expectedFields,
      cuts,
      (text, sep, expected, at) => {
        const records = timed('CsvParser', () => parseIn(text, sep, expected, at));
        assertLinesAccounted(text, records);
        for (const r of records) {
          // a record without quotes is its line cut at the separator, nothing more
          if (r.error === undefined && !r.raw.includes('"')) assert.deepEqual(r.fields, r.raw.split(sep));
          if (r.error === undefined && expected !== undefined && /[\r\n]/.test(r.raw))
            assert.equal(r.fields.length, expected, 'a record over several lines has the expected width');
        }
      },
    ),
    fuzz(400),
  );
});

test('fuzz csv: lone CRs too: no throw, increasing lines, raw text taken from the input', () => {
  fc.assert(
    fc.property(csvTextWithCr, fc.constantFrom(...SEPS), expectedFields, (text, sep, expected) => {
      const records = timed('CsvParser', () => parseIn(text, sep, expected));
      let last = 0;
      for (const r of records) {
        assert.ok(r.line > last, 'line numbers strictly increase');
        last = r.line;
        assert.ok(text.includes(r.raw), 'raw is text of the file');
        assert.ok(r.error === undefined ? r.fields.length >= 1 : r.error.length > 0);
      }
    }),
    fuzz(300),
  );
});

test('fuzz csv: the records do not depend on how the text is cut into chunks', () => {
  fc.assert(
    fc.property(csvTextWithCr, fc.constantFrom(...SEPS), expectedFields, cuts, (text, sep, expected, at) => {
      assert.deepEqual(parseIn(text, sep, expected, at), parseIn(text, sep, expected));
    }),
    fuzz(300),
  );
});

/** Any cell content: separators, quotes, CR, LF, NUL, BOM, accents, empty. */
const cell = textOf(
  ['a', 'Z', '0', ' ', ',', ';', '\t', '"', '\n', '\r', '\r\n', '\u0000', '\uFEFF', 'ô'],
  8,
);

function quoteCell(v: string, sep: string, alone: boolean): string {
  const needs = v.includes(sep) || /["\r\n]/.test(v) || v.startsWith('"') || (alone && v === '');
  return needs ? `"${v.replace(/"/g, '""')}"` : v;
}

test('fuzz csv: records written with RFC 4180 quoting parse back identically, on the right lines', () => {
  const table = fc
    .integer({ min: 1, max: 4 })
    .chain((w) =>
      fc.tuple(fc.constant(w), fc.array(fc.array(cell, { minLength: w, maxLength: w }), { maxLength: 8 })),
    );
  fc.assert(
    fc.property(
      table,
      fc.constantFrom(...SEPS),
      fc.constantFrom('\n', '\r\n', '\r'),
      fc.boolean(),
      cuts,
      ([w, rows], sep, eol, finalEol, at) => {
        const lines = rows.map((r) => r.map((v) => quoteCell(v, sep, w === 1)).join(sep));
        const text = lines.join(eol) + (finalEol && lines.length ? eol : '');
        const got = parseIn(text, sep, w, at);
        let line = 1;
        const want = lines.map((l, i) => {
          const rec = { line, fields: rows[i]! };
          line += l.split(/\r\n|\r|\n/).length; // LF, CRLF and a lone CR each end a line
          return rec;
        });
        assert.deepEqual(
          got.map((r) => ({ line: r.line, fields: r.fields ?? r.error })),
          want,
        );
      },
    ),
    fuzz(400),
  );
});

test('fuzz csv: one stray quote costs at most its own row, and the parser resyncs on the next line', () => {
  const plain = textOf(['a', 'b', '7', ' ', 'é', '-'], 5);
  const gen = fc
    .tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 8 }))
    .chain(([w, n]) =>
      fc.tuple(
        fc.constant(w),
        fc.array(fc.array(plain, { minLength: w, maxLength: w }), { minLength: n, maxLength: n }),
        fc.nat({ max: n - 1 }),
        fc.nat({ max: 40 }),
      ),
    );
  fc.assert(
    fc.property(
      gen,
      fc.constantFrom(...SEPS),
      fc.constantFrom('\n', '\r\n', '\r'),
      fc.boolean(),
      cuts,
      ([w, rows, k, pos], sep, eol, finalEol, at) => {
        const lines = rows.map((r) => r.join(sep));
        const p = pos % (lines[k]!.length + 1);
        lines[k] = `${lines[k]!.slice(0, p)}"${lines[k]!.slice(p)}`;
        const text = lines.join(eol) + (finalEol ? eol : '');
        const got = parseIn(text, sep, w, at);
        assert.equal(got.length, rows.length, 'one entry per row, none swallowed');
        got.forEach((r, i) => {
          assert.equal(r.line, i + 1);
          if (i !== k) return assert.deepEqual(r.fields, rows[i]);
          const cells = lines[k]!.split(sep);
          if (cells.some((c) => c.startsWith('"'))) {
            assert.equal(r.error, 'unterminated quoted field');
            assert.equal(r.raw, lines[k]);
          } else assert.deepEqual(r.fields, cells, 'a quote inside a field is kept as text');
        });
      },
    ),
    fuzz(400),
  );
});

test('fuzz csv: separator detection always answers one of , ; tab', () => {
  fc.assert(
    fc.property(csvTextWithCr, (line) => {
      assert.ok([',', ';', '\t'].includes(detectSeparator(line)));
    }),
    fuzz(200),
  );
});

// Bugs found by the properties above, kept as focused regression tests.

test('csv: a quoted lone CR counts as a line break like the CR that ends a record', () => {
  // line 1: "x, line 2: y",b  line 3: c,d  (CR-only file: every CR is a line break)
  const got = parseIn('"x\ry",b\rc,d\r', ',', 2).map((r) => [r.line, r.fields ?? r.error]);
  assert.deepEqual(got, [
    [1, ['x\ry', 'b']],
    [3, ['c', 'd']],
  ]);
});

test('csv: in a CR-only file a stray quote costs one row, not the rest of the file', () => {
  const got = parseIn('"bad,2\r3,4\r5,6\r', ',', 2).map((r) => [r.line, r.fields ?? r.error]);
  assert.deepEqual(got, [
    [1, 'unterminated quoted field'],
    [2, ['3', '4']],
    [3, ['5', '6']],
  ]);
});

test('csv: a record spanning lines is checked for width with or without a final newline', () => {
  const withEol = parseIn('a,b\n"x\ny",w,v\n', ',', 2).map((r) => [r.line, r.fields ?? r.error]);
  const withoutEol = parseIn('a,b\n"x\ny",w,v', ',', 2).map((r) => [r.line, r.fields ?? r.error]);
  assert.deepEqual(withoutEol, withEol);
});

/** Bytes of a bulk upload: structured text (UTF-8 or Latin-1, maybe a BOM) or raw noise. */
const BULK_TOKENS = [
  'adresse',
  'lon',
  'lat',
  'ville',
  '12 rue de la Paix',
  'Église',
  '2.35',
  '48,85',
  '-61.5',
  '1e3',
  '75002',
  ';',
  ',',
  '\t',
  '|',
  '"',
  '\n',
  '\r\n',
  '\r',
  ' ',
  '\u0000',
];
const bulkBytes = fc.oneof(
  fc
    .tuple(textOf(BULK_TOKENS, 50), fc.constantFrom('utf8', 'latin1', 'bom') as fc.Arbitrary<string>)
    .map(([t, enc]) =>
      enc === 'bom'
        ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t)])
        : Buffer.from(t, enc as BufferEncoding),
    ),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
);

test('fuzz bulk input: any upload is refused with a BulkInputError or gives rows that each say what to look up or why not', () => {
  fc.assert(
    fc.property(bulkBytes, (bytes) => {
      let input;
      try {
        input = timed('parseBulkInput', () => parseBulkInput(bytes));
      } catch (err) {
        assert.ok(err instanceof BulkInputError, `unexpected ${String(err)}`);
        assert.ok(err.code && err.message.length > 0);
        return;
      }
      const rows = timed('bulk rows', () => [...input.rows]);
      assert.deepEqual([...input.rows], rows, 'rows can be read twice');
      let last = 0;
      for (const r of rows) {
        assert.ok(r.line > last, 'rows in file order, one per line');
        last = r.line;
        const lookups = [r.address !== undefined, r.lon !== undefined, r.error !== undefined];
        if (r.error !== undefined) {
          assert.ok(r.error.length > 0);
          assert.ok(r.address === undefined && r.lon === undefined && r.lat === undefined);
        } else if (input.mode === 'address') assert.ok(r.address && r.address.length > 0, `${lookups}`);
        else {
          assert.ok(Number.isFinite(r.lon) && Number.isFinite(r.lat));
          assert.ok(inFrance(r.lon!, r.lat!));
        }
      }
    }),
    fuzz(300),
  );
});

const METEO_HEADER = 'NUM_POSTE;NOM_USUEL;LAT;LON;ALTI;AAAAMMJJ;RR;QRR;TN;QTN;HTN;QHTN;TX;QTX';
const meteoCols = parseMeteoHeader(METEO_HEADER) as MeteoColumns;

test('fuzz meteo: any header gives the columns or says what is missing', () => {
  const header = textOf(['NUM_POSTE', 'AAAAMMJJ', 'TN', 'TX', 'NOM_USUEL', ';', '"', ' ', '\uFEFF', 'x'], 12);
  fc.assert(
    fc.property(header, (line) => {
      const h = parseMeteoHeader(line);
      if ('error' in h) assert.match(h.error, /lacks/);
      else for (const i of [h.station, h.date, h.tn, h.tx]) assert.ok(i >= 0 && i < h.names.length);
    }),
    fuzz(200),
  );
});

test('fuzz meteo: any data line is read or rejected naming a header column', () => {
  const line = textOf(
    ['0', '1', '2', '9', '03001001', '20240229', '19991301', ';', '-', '.', ' ', '"', 'a', '\r'],
    30,
  );
  fc.assert(
    fc.property(line, (l) => {
      const r = timed('parseMeteoLine', () => parseMeteoLine(l, meteoCols));
      if (!r.ok) {
        assert.ok(meteoCols.names.includes(r.column), `column ${r.column} is a header column`);
        assert.ok(r.message.length > 0);
        return;
      }
      assert.match(r.station, /^\d{8}$/);
      assert.ok(r.year >= 1800 && r.month >= 1 && r.month <= 12 && r.day >= 1 && r.day <= 31);
      for (const t of [r.tmin, r.tmax]) assert.ok(t === null || (t >= -70 && t <= 60));
    }),
    fuzz(300),
  );
});

test('fuzz meteo: a well-formed line reads back its station, date and temperatures', () => {
  const temp = fc.option(fc.integer({ min: -700, max: 600 }), { nil: null });
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 99_999_999 }),
      fc.date({
        min: new Date('1800-01-01T00:00:00Z'),
        max: new Date('2100-12-31T00:00:00Z'),
        noInvalidDate: true,
      }),
      temp,
      temp,
      (station, date, tn, tx) => {
        const st = String(station).padStart(8, '0');
        const ymd = date.toISOString().slice(0, 10).replace(/-/g, '');
        const t = (v: number | null) => (v === null ? '' : (v / 10).toFixed(1));
        const r = parseMeteoLine(`${st};LYON;45.7;4.9;200;${ymd};0;1;${t(tn)};1;;;${t(tx)};1`, meteoCols);
        assert.deepEqual(r, {
          ok: true,
          station: st,
          name: 'LYON',
          year: date.getUTCFullYear(),
          month: date.getUTCMonth() + 1,
          day: date.getUTCDate(),
          tmin: tn === null ? null : tn / 10,
          tmax: tx === null ? null : tx / 10,
        });
      },
    ),
    fuzz(200),
  );
});
