// Values PostgreSQL refuses (a NUL, an int4 overflow, year 0, jsonb escapes it cannot store) and
// coordinates that do not fit their declared SRID: each costs its own row, sent to the rejects
// file with its line, column and reason; the COPY of the file, and the import run, go through.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb, type ImportSummary } from '../../src/ingest/import-dir.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';

const SQUARE = (x: number, y: number) =>
  `"MULTIPOLYGON (((${x} ${y},${x + 10} ${y},${x + 10} ${y + 10},${x} ${y + 10},${x} ${y})))"`;

/** batiment_groupe: [line, text, expected column, expected reason] (null: imported). */
const GROUPES: [string, number | null, RegExp | null][] = [
  [`${SQUARE(700000, 6600000)},bdnb-bg-0001,"03","03185"`, null, null],
  [
    `"SRID=4326;MULTIPOLYGON (((700000 6600000,700010 6600000,700010 6600010,700000 6600000)))",bdnb-bg-0002,"03","03185"`,
    1,
    /declared SRID=4326 \(WGS84 lon\/lat degrees\): they look like Lambert-93 metres/,
  ],
  [
    `"POLYGON((3.030000000000000000000000001 46.34,3.031 46.34,3.031 46.341,3.030000000000000000000000001 46.34))",bdnb-bg-0003,"03","03185"`,
    null,
    null,
  ],
  [
    `"POLYGON((700000 6600000,700010 6600000,1.2.3 6600010,700000 6600000))",bdnb-bg-0004,"03","03185"`,
    1,
    /1\.2\.3"+ at character \d+ is not a number/,
  ],
  [`${SQUARE(700100, 6600000)},bdnb-bg-0005,"03","03185"`, null, null],
];

/** batiment_groupe_dpe_representatif_logement rows, the same way. */
const DPE_HEADER =
  'batiment_groupe_id,code_departement_insee,classe_bilan_dpe,annee_construction_dpe,date_etablissement_dpe,l_orientation_baie_vitree,conso_5_usages_ep_m2,champ_inconnu';
const DPES: [string, number | null, RegExp | null][] = [
  ['bdnb-bg-0001,"03",E,1975,2022-03-14,"[""sud""]",291.4,libre', null, null],
  ['bdnb-bg-0002,"03",E\u0000,1975,2022-03-14,,,', 3, /classe_bilan_dpe: NUL character/],
  ['bdnb-bg-0003,"03",E,1975,2022-03-14,,,a\u0000b', 8, /champ_inconnu: NUL character/],
  ['bdnb-bg-0004,"03",E,1975,2022-03-14,"[""\\u0000""]",,', 6, /jsonb cannot store/],
  ['bdnb-bg-0005,"03",E,3000000000,2022-03-14,,,', 4, /out of range for integer/],
  ['bdnb-bg-0006,"03",E,1975,0000-01-01,,,', 5, /there is no year 0/],
  ['bdnb-bg-0007,"03",E,1975,01/01/0000,,,', 5, /there is no year 0/],
  ['bdnb-bg-0008,"03",E,1975,2022-03-14,,1e999,', 7, /number out of range/],
  ['bdnb-bg-0009,"03",E,2147483647,0001-01-01,,1e308,"[""\\u0000""]"', null, null],
];

for (const make of backends()) {
  describe(`import of values PostgreSQL refuses [${make().name}]`, () => {
    let backend: Backend;
    let store: Store;
    let dir: string;
    let summary: ImportSummary;

    before(async () => {
      backend = make();
      store = await backend.open();
      dir = await mkdtemp(join(tmpdir(), 'batid-refused-'));
      await writeFile(
        join(dir, 'batiment_groupe.csv'),
        [
          'WKT,batiment_groupe_id,code_departement_insee,code_commune_insee',
          ...GROUPES.map((g) => g[0]),
        ].join('\n'),
      );
      await writeFile(
        join(dir, 'batiment_groupe_dpe_representatif_logement.csv'),
        [DPE_HEADER, ...DPES.map((d) => d[0])].join('\r\n'),
      );
      summary = await importBdnb(store, BDNB_TABLES, {
        paths: [dir],
        rejectsPath: join(dir, 'rejects.csv'),
      });
    });
    after(async () => {
      await backend.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    test('each bad value costs its row only; the good rows are all imported', async () => {
      const byTable = Object.fromEntries(summary.files.map((f) => [f.table, f]));
      for (const [table, rows] of [
        ['batiment_groupe', GROUPES],
        ['batiment_groupe_dpe_representatif_logement', DPES],
      ] as const) {
        const f = byTable[table]!;
        assert.equal(f.fatal, undefined);
        assert.equal(f.imported, rows.filter((r) => r[1] === null).length, table);
        assert.equal(f.rejected, rows.filter((r) => r[1] !== null).length, table);
      }
      const n = await store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM bdnb.batiment_groupe WHERE ST_IsValid(geom_groupe)`,
      );
      assert.equal(n[0]!.n, 3);
      const kept = await store.query(
        `SELECT annee_construction_dpe AS a, date_etablissement_dpe AS d, conso_5_usages_ep_m2 AS c, extra
           FROM bdnb.batiment_groupe_dpe_representatif_logement WHERE batiment_groupe_id = 'bdnb-bg-0009'`,
      );
      assert.deepEqual(kept, [
        { a: 2147483647, d: '0001-01-01', c: 1e308, extra: { champ_inconnu: '["\\u0000"]' } },
      ]);
    });

    test('the rejects file names the line, the column and why', async () => {
      const text = await readFile(join(dir, 'rejects.csv'), 'utf8');
      const lines = text.trim().split('\n').slice(1);
      for (const [file, rows] of [
        ['batiment_groupe.csv', GROUPES],
        ['batiment_groupe_dpe_representatif_logement.csv', DPES],
      ] as const) {
        rows.forEach(([, column, reason], i) => {
          if (column === null) return;
          const hit = lines.find((l) => l.startsWith(`${file},${i + 2},`));
          assert.ok(hit, `${file}:${i + 2} is in the rejects file`);
          assert.ok(hit.startsWith(`${file},${i + 2},${column},rejected,`), hit);
          assert.match(hit, reason!);
        });
      }
    });
  });
}
