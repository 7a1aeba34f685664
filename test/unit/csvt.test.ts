import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { RowMapper } from '../../src/ingest/row-mapper.js';
import { extraValue, parseCsvt } from '../../src/ingest/values.js';

test('csvt: GDAL types read one per column', () => {
  assert.deepEqual(
    parseCsvt('"WKT","String","Integer","Integer64","Real","Integer(Boolean)","Date","JSonStringList"\n'),
    ['other', 'string', 'integer', 'integer', 'real', 'boolean', 'date', 'other'],
  );
});

const EXTRA: [string, Parameters<typeof extraValue>[1], unknown][] = [
  ['01', 'string', '01'],
  ['t', 'string', 't'],
  ['42', 'integer', 42],
  ['17.800000000000001', 'real', 17.8],
  ['"0"'.replace(/"/g, ''), 'boolean', false],
  ['14/03/2019', 'date', '2019-03-14'],
  ['n/a', 'integer', 'n/a'],
  ['{a,b}', undefined, ['a', 'b']],
  ['t', undefined, true],
  ['01', undefined, '01'],
  ['', 'string', null],
];
for (const [raw, type, want] of EXTRA) {
  test(`csvt: extra column ${JSON.stringify(raw)} as ${type ?? 'untyped'}`, () =>
    assert.deepEqual(extraValue(raw, type), want));
}

test('csvt: types the columns kept in extra, not the catalogue ones', () => {
  const t = BDNB_TABLES.find((x) => x.name === 'batiment_groupe')!;
  const header = ['batiment_groupe_id', 'code_departement_insee', 'nb_inconnu', 'code_inconnu'];
  const m = new RowMapper(t, header, { defaultDept: null, csvt: ['string', 'string', 'integer', 'string'] });
  const r = m.map(['bdnb-bg-1111-AAAA-BBBB', '03', '12', '007']);
  assert.ok(r.ok);
  assert.match(r.row.copy, /\{"nb_inconnu":12,"code_inconnu":"007"\}/);
});
