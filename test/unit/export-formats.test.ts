import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ATTRIBUTE_COLUMNS,
  CSV_COLUMNS,
  CSV_HEADER,
  csvField,
  csvLine,
  geojsonFeature,
  geojsonSeqLineL93,
  polygonWkt,
  toLonLat,
  type ExportRow,
} from '../../src/buildings/export-formats.js';

const CSV_FIELDS: [string | number | null, string][] = [
  [null, ''],
  ['', ''],
  ['plain', 'plain'],
  [1984, '1984'],
  [112.4, '112.4'],
  ['12 rue du Port, Moulins', '"12 rue du Port, Moulins"'],
  ['Lieu-dit "Les Gras"', '"Lieu-dit ""Les Gras"""'],
  ['two\nlines', '"two\nlines"'],
  ['cr\r', '"cr\r"'],
  ['semi;colon', 'semi;colon'],
];
for (const [value, text] of CSV_FIELDS)
  test(`export csv field: ${JSON.stringify(value)} → ${JSON.stringify(text)}`, () => {
    assert.equal(csvField(value), text);
  });

test('export: Lambert-93 origin → 3° E, 46.5° N; 7 decimals', () => {
  assert.deepEqual(toLonLat(700000, 6600000), [3, 46.5]);
  const [lon, lat] = toLonLat(723456.789, 6578901.234);
  for (const v of [lon, lat]) assert.equal(v, Math.round(v * 1e7) / 1e7);
});

test('export: WKT of polygons and multipolygons, never in exponent notation', () => {
  assert.equal(
    polygonWkt({
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 0],
        ],
      ],
    }),
    'POLYGON((0 0,1 0,1 1,0 0))',
  );
  assert.equal(
    polygonWkt({
      type: 'MultiPolygon',
      coordinates: [
        [
          [
            [1e-7, 2],
            [3, 4],
            [5, -6e-7],
            [1e-7, 2],
          ],
        ],
        [
          [
            [0, 0],
            [1, 0],
            [0, 1],
            [0, 0],
          ],
        ],
      ],
    }),
    'MULTIPOLYGON(((0.0000001 2,3 4,5 -0.0000006,0.0000001 2)),((0 0,1 0,0 1,0 0)))',
  );
});

const ROW: ExportRow = {
  batid: 'ABCD2345KMNP',
  status: 'constructed',
  code_departement_insee: '03',
  code_commune_insee: '03185',
  libelle_commune: 'Montluçon',
  batiment_groupe_id: 'bdnb-bg-1',
  batiment_construction_id: 'bdnb-bc-1',
  rnb_id: null,
  cle_interop_adr: '03185_0420_00012',
  adresse: '12 rue "du Port", Montluçon',
  usage: 'Résidentiel collectif',
  annee_construction: 1975,
  nb_log: 12,
  classe_dpe: 'E',
  classe_dpe_2026: 'D',
  energie_chauffage: 'gaz',
  installation_chauffage: 'collectif',
  surface_m2: 100,
  geojsonL93:
    '{"type":"MultiPolygon","coordinates":[[[[700000,6600000],[700010,6600000],[700010,6600010],[700000,6600000]]]]}',
  pointL93: [700005, 6600002],
};

test('export: a GeoJSON feature in WGS84 with the attributes in column order', () => {
  const f = JSON.parse(geojsonFeature(ROW));
  assert.equal(f.type, 'Feature');
  assert.equal(f.id, ROW.batid);
  assert.deepEqual(Object.keys(f.properties), [...ATTRIBUTE_COLUMNS]);
  assert.equal(f.properties.adresse, ROW.adresse);
  assert.deepEqual(f.geometry.coordinates[0][0][0], [3, 46.5]);
  assert.equal(f.geometry.coordinates[0][0].length, 4);
  const none = JSON.parse(geojsonFeature({ ...ROW, geojsonL93: null }));
  assert.equal(none.geometry, null);
});

test('export: the ogr2ogr feed keeps Lambert-93', () => {
  const line = geojsonSeqLineL93(ROW);
  assert.ok(line.endsWith('}\n') && !line.slice(0, -1).includes('\n'));
  assert.deepEqual(JSON.parse(line).geometry.coordinates[0][0][1], [700010, 6600000]);
});

test('export: a CSV record has every column; no geometry gives empty fields', () => {
  assert.equal(CSV_HEADER, `${CSV_COLUMNS.join(',')}\r\n`);
  const line = csvLine(ROW);
  assert.ok(line.endsWith('\r\n'));
  assert.ok(line.includes(',"12 rue ""du Port"", Montluçon",'));
  assert.ok(line.includes(',"MULTIPOLYGON(((3 46.5,'));
  const empty = csvLine({ ...ROW, geojsonL93: null, pointL93: null });
  assert.ok(empty.endsWith(',100,,,\r\n'));
});
