import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb, type ImportSummary } from '../../src/ingest/import-dir.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';
import { sharedData, skipReason } from '../helpers/shared-data.js';

const RNB = sharedData('rnb');
const FILES = [
  'batiment_construction_bdnb_7.csv',
  'rel_batiment_groupe_adresse_7.csv',
  'adresses_bdnb_7.csv',
  'bdnb_2023_01_bdgs.csv',
  'bdnb_2023_01_addresses.csv',
];

for (const make of backends()) {
  describe(
    `real BDNB rows from the RNB fixtures [${make().name}]`,
    { skip: RNB ? false : skipReason('rnb') },
    () => {
      let backend: Backend;
      let store: Store;
      let tmp: string;
      let summary: ImportSummary;
      const notes: string[] = [];

      before(async () => {
        backend = make();
        store = await backend.open();
        tmp = await mkdtemp(join(tmpdir(), 'batid-real-'));
        // the 2022 Ain rows and the 2023 Isère extract are two départements: import them as two runs
        summary = await importBdnb(store, BDNB_TABLES, {
          paths: FILES.slice(0, 3).map((f) => join(RNB!, f)),
          rejectsPath: join(tmp, 'rejects-01.csv'),
        });
        const s2 = await importBdnb(store, BDNB_TABLES, {
          paths: FILES.slice(3).map((f) => join(RNB!, f)),
          rejectsPath: join(tmp, 'rejects-38.csv'),
          onNote: (m) => notes.push(m),
        });
        summary.files.push(...s2.files);
      });
      after(async () => {
        await backend?.dispose();
        if (tmp) await rm(tmp, { recursive: true, force: true });
      });

      test('every row is imported, nothing rejected, the duplicate address merged once', () => {
        const counts = summary.files.map((f) => [f.file, f.table, f.imported, f.rejected, f.duplicates]);
        assert.deepEqual(counts, [
          ['batiment_construction_bdnb_7.csv', 'batiment_construction', 4, 0, 0],
          ['adresses_bdnb_7.csv', 'adresse', 3, 0, 1],
          ['rel_batiment_groupe_adresse_7.csv', 'rel_batiment_groupe_adresse', 3, 0, 0],
          ['bdnb_2023_01_bdgs.csv', 'batiment_construction', 3, 0, 0],
          ['bdnb_2023_01_addresses.csv', 'adresse', 3, 0, 1],
        ]);
        assert.ok(
          notes.some((n) =>
            /bdnb_2023_01_bdgs\.csv: table guessed from its header: batiment_construction/.test(n),
          ),
        );
      });

      test('2022 constructions: quoted codes stay text, "0"/"1" become booleans, numbers numbers', async () => {
        const rows = await store.query(
          `SELECT batiment_construction_id AS id, batiment_groupe_id AS bg, code_departement_insee AS dep, code_iris AS iris,
                code_commune_insee AS com, s_geom_cstr AS s, hauteur AS h, altitude_sol AS alt, fictive_geom_cstr AS fictive,
                round(ST_Area(geom_cstr)::numeric, 1)::float8 AS area
           FROM bdnb.batiment_construction WHERE code_departement_insee = '01' ORDER BY 1`,
        );
        assert.deepEqual(rows, [
          {
            id: 'BATIMENT0000000008834985-1',
            bg: 'uf012040231485_e535573d3dfc10a',
            dep: '01',
            iris: '012040000',
            com: '01204',
            s: 33,
            h: 3.6,
            alt: 849.8,
            fictive: false,
            area: 32.9,
          },
          {
            id: 'BATIMENT0000000008834991-1',
            bg: 'uf012040231485_e535573d3dfc10a',
            dep: '01',
            iris: '012040000',
            com: '01204',
            s: 31,
            h: 2.3,
            alt: 849.8,
            fictive: false,
            area: 30.7,
          },
          {
            id: 'BATIMENT0000000008838153-1',
            bg: '012450480B0366_74ab2e8c98c7f88',
            dep: '01',
            iris: '012450000',
            com: '01245',
            s: 33,
            h: 2,
            alt: 292,
            fictive: true,
            area: 32.9,
          },
          {
            id: 'VERY_SMALL_BUILDING',
            bg: '012450480B0366_74ab2e8c98c7f88',
            dep: '01',
            iris: '012450000',
            com: '01245',
            s: 33,
            h: 2,
            alt: 292,
            fictive: false,
            area: 0.5,
          },
        ]);
      });

      test('2022 addresses: the duplicate key is not doubled, the first row is kept', async () => {
        const rows = await store.query(
          `SELECT cle_interop_adr AS k, numero, rep, nom_voie, type_voie, code_postal, libelle_commune, source,
                round(ST_X(geom_adresse)::numeric, 3)::float8 AS x
           FROM bdnb.adresse WHERE code_departement_insee = '01' ORDER BY 1`,
        );
        assert.deepEqual(rows, [
          {
            k: '0010000A032800101',
            numero: 9,
            rep: 'B',
            nom_voie: 'des 5 chemins',
            type_voie: 'rue',
            code_postal: '01002',
            libelle_commune: "L'Abergement-Clémenciat",
            source: 'Arcep',
            x: 848187.571,
          },
          {
            k: '0010000A040300101',
            numero: 204,
            rep: null,
            nom_voie: 'de la fontaine',
            type_voie: 'route',
            code_postal: null,
            libelle_commune: "L'Abergement-Clémenciat",
            source: 'Arcep',
            x: 848257.67,
          },
          {
            k: '0010000A089700101',
            numero: 414,
            rep: null,
            nom_voie: 'de la fontaine',
            type_voie: 'route',
            code_postal: null,
            libelle_commune: "L'Abergement-Clémenciat",
            source: 'Arcep',
            x: 848358.578,
          },
        ]);
      });

      test('2022 links: class strings stay text, lien_valide a boolean, references to absent rows kept', async () => {
        const rows = await store.query(
          `SELECT cle_interop_adr AS k, classe, lien_valide AS v, GeometryType(geom_bat_adresse) AS t
           FROM bdnb.rel_batiment_groupe_adresse ORDER BY 1`,
        );
        assert.deepEqual(rows, [
          { k: '01300_0013_00145', classe: '1.1', v: true, t: 'LINESTRING' },
          { k: '3000000C051200101', classe: '9.2', v: false, t: 'LINESTRING' },
          { k: '3000000C051200201', classe: '9.2', v: false, t: 'LINESTRING' },
        ]);
        const rel = summary.files.find((f) => f.table === 'rel_batiment_groupe_adresse')!;
        assert.deepEqual(rel.refWarnings, [
          { column: 'batiment_groupe_id', table: 'batiment_groupe', missing: 3 },
          { column: 'cle_interop_adr', table: 'adresse', missing: 3 },
        ]);
      });

      test('2023-01 Isère extract: WGS84 detected and reprojected, t/f booleans and arrays kept as such', async () => {
        const rows = await store.query(
          `SELECT batiment_construction_id AS id, code_departement_insee AS dep, extra,
                ST_SRID(geom_cstr) AS srid, ST_XMin(geom_cstr) BETWEEN 800000 AND 1000000 AS l93
           FROM bdnb.batiment_construction WHERE code_departement_insee = '38' ORDER BY 1`,
        );
        assert.deepEqual(rows, [
          {
            id: 'bdnb-bc-1115-BJGL-HY7G',
            dep: '38',
            extra: { reelle_geom_batiment_construction: true, cle_interop_adr: ['38517_0345_00007'] },
            srid: 2154,
            l93: true,
          },
          {
            id: 'bdnb-bc-111D-RG76-V7GK',
            dep: '38',
            extra: {
              reelle_geom_batiment_construction: true,
              cle_interop_adr: ['38117_0153_02822', '38117_0153_02824'],
            },
            srid: 2154,
            l93: true,
          },
          {
            id: 'bdnb-bc-KCFS-ZDYC-D9D5',
            dep: '38',
            extra: { reelle_geom_batiment_construction: false, cle_interop_adr: [null] },
            srid: 2154,
            l93: true,
          },
        ]);
        const f = summary.files.find((x) => x.file === 'bdnb_2023_01_bdgs.csv')!;
        assert.equal(f.reprojected, 3);
        // the reprojected footprint matches PostGIS's own transform of the source point
        const d = await store.query<{ d: number }>(
          `SELECT ST_Distance(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom_cstr, 1)), 1),
                ST_Transform(ST_SetSRID(ST_MakePoint(5.482819584685953, 45.29631709238345), 4326), 2154)) AS d
           FROM bdnb.batiment_construction WHERE batiment_construction_id = 'bdnb-bc-1115-BJGL-HY7G'`,
        );
        assert.ok(d[0]!.d < 0.01, `off by ${d[0]!.d} m`);
      });

      test('2023-01 addresses: header aliases (commune, geom), duplicate merged', async () => {
        const rows = await store.query(
          `SELECT cle_interop_adr AS k, numero, nom_voie, code_postal, libelle_commune, ST_SRID(geom_adresse) AS srid
           FROM bdnb.adresse WHERE code_departement_insee = '38' ORDER BY 1`,
        );
        assert.deepEqual(rows, [
          {
            k: '38117_0153_02822',
            numero: 2822,
            nom_voie: 'nationale1532',
            code_postal: '38470',
            libelle_commune: 'Cognin-les-Gorges',
            srid: 2154,
          },
          {
            k: '38117_0153_02824',
            numero: 2824,
            nom_voie: 'nationale1532',
            code_postal: '38470',
            libelle_commune: 'Cognin-les-Gorges',
            srid: 2154,
          },
          {
            k: '38517_0345_00007',
            numero: 7,
            nom_voie: 'jean jaures',
            code_postal: '38210',
            libelle_commune: 'Tullins',
            srid: 2154,
          },
        ]);
      });
    },
  );
}
