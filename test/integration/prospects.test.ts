import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { runIndicators } from '../../src/cli/indicators-command.js';
import { buildApp } from '../../src/http/app.js';
import { prospectsRoutes } from '../../src/http/prospects-routes.js';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { enrrRate, numberOf, type NetworkFigures } from '../../src/networks/network-proximity.js';
import {
  heatingKind,
  heatingKindSql,
  PROSPECT_COLUMNS,
  ProspectInputError,
  prospects,
} from '../../src/networks/prospects.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';
import { proKey } from '../helpers/pro-key.js';

// ------------------------------------------------------------------------------------------------
// The rules, pure

const HEATING_CASES: [string | null, string | null, string | null][] = [
  ['collectif', 'gaz', 'collectif_gaz'],
  [' Collectif ', 'Gaz naturel', 'collectif_gaz'],
  ['collectif', 'gaz + electricite', 'collectif_gaz'],
  ['collectif', 'electricite + gaz', null],
  ['collectif', 'fioul', 'collectif_fioul'],
  ['collectif', 'fioul domestique', 'collectif_fioul'],
  ['individuel', 'gaz', 'individuel_gaz'],
  ['individuel', 'fioul', null],
  ['collectif', 'gpl/butane/propane', null],
  ['collectif', 'gazole', null],
  ['collectif', 'reseau de chaleur', null],
  ['collectif', 'electricite', null],
  ['mixte : collectif-individuel', 'gaz', null],
  [null, 'gaz', null],
  ['collectif', null, null],
  ['collectif', '', null],
];

describe('heating kind rule', () => {
  for (const [inst, energy, kind] of HEATING_CASES)
    test(`${inst} / ${energy} → ${kind}`, () => assert.equal(heatingKind(inst, energy), kind));
});

describe('EnR&R rate of a département’s networks', () => {
  const n = (enrr_rate: number | null, deliveries_mwh: number | null): NetworkFigures => ({
    enrr_rate,
    deliveries_mwh,
  });
  const cases: [string, NetworkFigures[], number | null][] = [
    ['no network', [], null],
    ['no rate', [n(null, 100)], null],
    ['one network', [n(60, null)], 60],
    ['weighted by deliveries', [n(60, 3000), n(90, 1000)], 67.5],
    ['a delivery missing: plain mean', [n(60, 3000), n(90, null)], 75],
    ['a zero delivery: plain mean', [n(60, 0), n(90, 1000)], 75],
    ['unrated networks ignored', [n(null, 5000), n(90, 1000)], 90],
    ['2 decimals', [n(10, null), n(20, null), n(20, null)], 16.67],
  ];
  for (const [name, nets, rate] of cases) test(name, () => assert.equal(enrrRate(nets), rate));
  test('deliveries read from numbers or numeric text', () => {
    assert.deepEqual([3000, '12,5', ' 7 ', '1 000', 'n/a', null, Infinity].map(numberOf), [
      3000,
      12.5,
      7,
      null,
      null,
      null,
      null,
    ]);
  });
});

// ------------------------------------------------------------------------------------------------
// The fixture: footprints at exact distances (m) from hand-made networks, in Lambert-93

const X0 = 700_000; // Lambert-93's central meridian (3° E): lon/lat boxes are hardly rotated here
const Y0 = 6_600_000;
const rect = (x: number, y: number, w = 10, h = 10) =>
  `MULTIPOLYGON (((${x} ${y},${x + w} ${y},${x + w} ${y + h},${x} ${y + h},${x} ${y})))`;

interface Group {
  id: string;
  dept: string;
  commune: string;
  inst: string;
  energy: string;
  /** land-file dwellings (null: no batiment_groupe_ffo_bat row) */
  ffo: number | null;
  /** register dwellings (null: no batiment_groupe_rnc row) */
  rnc?: number;
  copro?: string;
  label?: string;
  year?: number;
  dpeYear?: number;
  /** footprints: [construction id, x, y] */
  bc: [string, number, number][];
}

/** Footprint i of the row above network 1 (the line y = Y0, X0 … X0+1000), d metres from it. */
const above = (i: number, d: number): [number, number] => [X0 + 20 + 40 * i, Y0 + d];

const GROUPS: Group[] = [
  {
    id: 'g-a',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'gaz',
    ffo: 20,
    rnc: 20,
    copro: 'SDC Les Tilleuls, bât. A',
    label: '1 Rue des Écoles 03100 Montluçon',
    year: 1965,
    dpeYear: 1960,
    bc: [['bc-a', ...above(0, 49)]],
  },
  {
    id: 'g-b',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'gaz',
    ffo: 10,
    bc: [['bc-b', ...above(1, 51)]],
  },
  {
    id: 'g-c',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'fioul',
    ffo: 8,
    bc: [['bc-c', ...above(2, 99)]],
  },
  {
    id: 'g-d',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'fioul',
    ffo: 6,
    bc: [['bc-d', ...above(3, 101)]],
  },
  {
    id: 'g-e',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'gaz naturel',
    ffo: 12,
    bc: [['bc-e', ...above(4, 149)]],
  },
  {
    id: 'g-f',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'gaz',
    ffo: 30,
    bc: [['bc-f', ...above(5, 151)]],
  },
  {
    id: 'g-g',
    dept: '03',
    commune: '03185',
    inst: 'individuel',
    energy: 'gaz',
    ffo: 1,
    bc: [['bc-g', ...above(6, 30)]],
  },
  {
    id: 'g-h',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'electricite',
    ffo: 25,
    bc: [['bc-h', ...above(7, 20)]],
  },
  // one group, two footprints: counted once (at its nearest), listed once per BatID
  {
    id: 'g-k',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'gaz + electricite',
    ffo: 40,
    bc: [
      ['bc-k1', ...above(8, 30)],
      ['bc-k2', ...above(9, 120)],
    ],
  },
  {
    id: 'g-x',
    dept: '03',
    commune: '03185',
    inst: 'mixte : collectif-individuel',
    energy: 'gaz',
    ffo: 9,
    bc: [['bc-x', ...above(10, 10)]],
  },
  // dwellings from the copropriété register, construction year from the DPE
  {
    id: 'g-r',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'gaz',
    ffo: null,
    rnc: 14,
    copro: 'SDC Résidence R',
    dpeYear: 1972,
    bc: [['bc-r', ...above(11, 40)]],
  },
  {
    id: 'g-n',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'gaz',
    ffo: null,
    bc: [['bc-n', ...above(12, 45)]],
  },
  {
    id: 'g-z',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'gaz',
    ffo: 7,
    bc: [['bc-z', ...above(13, 50)]],
  },
  // near networks that must not count: closed, cold, untraced, under construction
  {
    id: 'g-i',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'gaz',
    ffo: 11,
    bc: [['bc-i', X0 + 20, Y0 + 2010]],
  },
  {
    id: 'g-j',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'gaz',
    ffo: 11,
    bc: [['bc-j', X0 + 20, Y0 + 3010]],
  },
  {
    id: 'g-l',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'gaz',
    ffo: 11,
    bc: [['bc-l', X0 + 20, Y0 + 4005]],
  },
  {
    id: 'g-m',
    dept: '03',
    commune: '03185',
    inst: 'collectif',
    energy: 'gaz',
    ffo: 11,
    bc: [['bc-m', X0 + 20, Y0 + 5010]],
  },
  // another commune's network, and another département
  {
    id: 'g-o',
    dept: '03',
    commune: '03190',
    inst: 'collectif',
    energy: 'fioul',
    ffo: 5,
    bc: [['bc-o', X0 + 20, Y0 + 10_040]],
  },
  {
    id: 'g-p',
    dept: '58',
    commune: '58194',
    inst: 'collectif',
    energy: 'gaz',
    ffo: 15,
    bc: [['bc-p', 720_020, 6_650_020]],
  },
];

interface NetworkRow {
  layer: string;
  id: number;
  sncu: string | null;
  name: string;
  communes: string[];
  open: boolean | null;
  trace: boolean;
  enrr: number | null;
  properties: Record<string, unknown>;
  wkt: string;
}

const line = (x: number, y: number, len: number) => `MULTILINESTRING ((${x} ${y}, ${x + len} ${y}))`;
const NETWORKS: NetworkRow[] = [
  {
    layer: 'reseau_de_chaleur',
    id: 1,
    sncu: '0301C',
    name: 'Réseau de Montluçon',
    communes: ['03185'],
    open: true,
    trace: true,
    enrr: 60,
    properties: { Gestionnaire: 'Dalkia', livraisons_totale_MWh: 3000 },
    wkt: line(X0, Y0, 1000),
  },
  {
    layer: 'reseau_de_chaleur',
    id: 2,
    sncu: '0302C',
    name: 'Réseau de Moulins',
    communes: ['03190'],
    open: null,
    trace: true,
    enrr: 90,
    properties: { livraisons_totale_MWh: 1000 },
    wkt: line(X0, Y0 + 10_000, 500),
  },
  {
    layer: 'reseau_de_chaleur',
    id: 3,
    sncu: '0303C',
    name: 'Réseau fermé',
    communes: ['03185'],
    open: false,
    trace: true,
    enrr: null,
    properties: {},
    wkt: line(X0, Y0 + 2000, 200),
  },
  {
    layer: 'reseau_de_froid',
    id: 4,
    sncu: '0301F',
    name: 'Réseau de froid',
    communes: ['03185'],
    open: true,
    trace: true,
    enrr: 100,
    properties: {},
    wkt: line(X0, Y0 + 3000, 200),
  },
  {
    layer: 'reseau_de_chaleur',
    id: 5,
    sncu: '0304C',
    name: 'Réseau sans tracé',
    communes: ['03185'],
    open: true,
    trace: false,
    enrr: 30,
    properties: { livraisons: '500' },
    wkt: `POINT (${X0 + 25} ${Y0 + 4000})`,
  },
  {
    layer: 'reseau_en_construction',
    id: 6,
    sncu: null,
    name: 'Réseau en construction',
    communes: ['03185'],
    open: true,
    trace: true,
    enrr: null,
    properties: {},
    wkt: line(X0, Y0 + 5000, 200),
  },
  {
    layer: 'reseau_de_chaleur',
    id: 7,
    sncu: '5801C',
    name: 'Réseau de Nevers',
    communes: ['58194'],
    open: true,
    trace: true,
    enrr: 80,
    properties: {},
    wkt: line(720_000, 6_650_000, 300),
  },
];

const csvFile = (header: string[], rows: (string | number | null | undefined)[][]) =>
  `${header.join(',')}\n${rows
    .map((r) =>
      r
        .map((v) =>
          v === null || v === undefined
            ? ''
            : /[",\n]/.test(String(v))
              ? `"${String(v).replace(/"/g, '""')}"`
              : String(v),
        )
        .join(','),
    )
    .join('\n')}\n`;

async function writeFixture(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {
    'batiment_groupe.csv': csvFile(
      ['WKT', 'batiment_groupe_id', 'code_departement_insee', 'code_commune_insee'],
      GROUPS.map((g) => [rect(g.bc[0]![1], g.bc[0]![2]), g.id, g.dept, g.commune]),
    ),
    'batiment_construction.csv': csvFile(
      [
        'WKT',
        'batiment_construction_id',
        'batiment_groupe_id',
        'code_departement_insee',
        'code_commune_insee',
      ],
      GROUPS.flatMap((g) => g.bc.map(([id, x, y]) => [rect(x, y), id, g.id, g.dept, g.commune])),
    ),
    'batiment_groupe_dpe_representatif_logement.csv': csvFile(
      [
        'batiment_groupe_id',
        'code_departement_insee',
        'type_installation_chauffage',
        'type_energie_chauffage',
        'classe_bilan_dpe',
        'annee_construction_dpe',
      ],
      GROUPS.map((g) => [g.id, g.dept, g.inst, g.energy, 'D', g.dpeYear]),
    ),
    'batiment_groupe_ffo_bat.csv': csvFile(
      ['batiment_groupe_id', 'code_departement_insee', 'nb_log', 'annee_construction'],
      GROUPS.filter((g) => g.ffo !== null).map((g) => [g.id, g.dept, g.ffo, g.year]),
    ),
    'batiment_groupe_rnc.csv': csvFile(
      ['batiment_groupe_id', 'code_departement_insee', 'nb_log', 'l_nom_copro'],
      GROUPS.filter((g) => g.rnc !== undefined).map((g) => [g.id, g.dept, g.rnc, JSON.stringify([g.copro])]),
    ),
    'batiment_groupe_adresse.csv': csvFile(
      ['batiment_groupe_id', 'code_departement_insee', 'libelle_adr_principale_ban'],
      GROUPS.filter((g) => g.label).map((g) => [g.id, g.dept, g.label]),
    ),
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
}

// ------------------------------------------------------------------------------------------------

interface ProspectJson {
  batid: string;
  distance_m: number;
  dwellings: number | null;
  network: { id_fcu: number; sncu_id: string | null; name: string | null; operator: string | null };
  [k: string]: unknown;
}

/** A CSV line's cells (RFC 4180 quotes). */
function cells(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

for (const make of backends()) {
  describe(`heat-network prospects and proximity counts [${make().name}]`, () => {
    const pro = proKey();
    let backend: Backend;
    let store: Store;
    let app: FastifyInstance;
    let dir: string;
    /** construction id → BatID */
    const batidOf = new Map<string, string>();
    const bcOf = new Map<string, string>();

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'batid-prospects-'));
      await writeFixture(join(dir, 'bdnb'));
      backend = make();
      store = await backend.open();
      await pro.make(store);
      await importBdnb(store, BDNB_TABLES, {
        paths: [join(dir, 'bdnb')],
        millesime: '2024-10',
        rejectsPath: join(dir, 'r.csv'),
      });
      for (const n of NETWORKS)
        await store.query(
          `INSERT INTO fcu.network (layer, id_fcu, sncu_id, name, operator, communes_insee, open_to_connections,
                                   has_trace, enrr_rate, properties, source_file, geom)
           VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8, $9, $10::jsonb, 'test', ST_GeomFromText($11, 2154))`,
          [
            n.layer,
            n.id,
            n.sncu,
            n.name,
            (n.properties.Gestionnaire as string | undefined) ?? null,
            n.communes,
            n.open,
            n.trace,
            n.enrr,
            JSON.stringify(n.properties),
            n.wkt,
          ],
        );
      for (const r of await store.query<{ batid: string; bc: string }>(
        `SELECT batid, batiment_construction_id AS bc FROM batid.building WHERE status = 'constructed'`,
      )) {
        batidOf.set(r.bc, r.batid);
        bcOf.set(r.batid, r.bc);
      }
      app = await buildApp(store);
      // until app.ts registers them itself
      if (!app.hasRoute({ method: 'GET', url: '/v1/prospects' })) prospectsRoutes(app, store);
    });
    after(async () => {
      await app?.close();
      await backend?.dispose();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const get = async (url: string) => {
      const r = await app.inject(pro.with({ method: 'GET', url }));
      return { status: r.statusCode, body: r.json(), headers: r.headers };
    };
    /** The construction ids of a listing, sorted. */
    const bcs = (results: ProspectJson[]) => results.map((p) => bcOf.get(p.batid)).sort();

    test('the fixture is in: every footprint has its BatID, at its exact distance', async () => {
      assert.equal(batidOf.size, 20);
      const rows = await store.query<{ d: number }>(
        `SELECT ST_Distance(c.geom_cstr, n.geom) AS d FROM bdnb.batiment_construction c, fcu.network n
          WHERE c.batiment_construction_id = 'bc-a' AND n.id_fcu = 1`,
      );
      assert.equal(rows[0]?.d, 49);
    });

    test('heating kind in SQL = the rule in TypeScript', async () => {
      for (const [inst, energy, kind] of HEATING_CASES) {
        const [row] = await store.query<{ k: string | null }>(
          `SELECT ${heatingKindSql('v.i', 'v.e')} AS k FROM (VALUES ($1::text, $2::text)) v(i, e)`,
          [inst, energy],
        );
        assert.equal(row?.k, kind, `${inst} / ${energy}`);
      }
    });

    test('a commune’s prospects at 50 m: collective gas/fuel near an open traced heat network', async () => {
      const r = await get('/v1/prospects?commune=03185');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.next_cursor, null);
      const results: ProspectJson[] = r.body.results;
      assert.deepEqual(bcs(results), ['bc-a', 'bc-k1', 'bc-n', 'bc-r', 'bc-z']);
      assert.deepEqual(
        results.map((p) => p.batid),
        results.map((p) => p.batid).sort(),
        'ordered by BatID',
      );
      const a = results.find((p) => p.batid === batidOf.get('bc-a'))!;
      const [pos] = await store.query<{ lon: number; lat: number }>(
        `SELECT round(ST_X(p)::numeric, 7)::float8 AS lon, round(ST_Y(p)::numeric, 7)::float8 AS lat
           FROM (SELECT ST_Transform(ST_PointOnSurface(ST_GeomFromText($1, 2154)), 4326) AS p) s`,
        [rect(...above(0, 49))],
      );
      assert.deepEqual(a, {
        batid: batidOf.get('bc-a'),
        batiment_groupe_id: 'g-a',
        code_departement_insee: '03',
        code_commune_insee: '03185',
        address: '1 Rue des Écoles 03100 Montluçon',
        dwellings: 20,
        dpe_label: 'D',
        construction_year: 1965,
        copro_name: 'SDC Les Tilleuls, bât. A',
        heating: { installation: 'collectif', energy: 'gaz', kind: 'collectif_gaz' },
        distance_m: 49,
        network: { id_fcu: 1, sncu_id: '0301C', name: 'Réseau de Montluçon', operator: 'Dalkia' },
        lon: pos!.lon,
        lat: pos!.lat,
      });
      const r2 = results.find((p) => p.batid === batidOf.get('bc-r'))!;
      assert.equal(r2.dwellings, 14, 'dwellings from the copropriété register when the land files lack them');
      assert.equal(r2.construction_year, 1972, 'year from the DPE when the land files lack it');
      assert.equal(r2.copro_name, 'SDC Résidence R');
      assert.equal(results.find((p) => p.batid === batidOf.get('bc-n'))!.dwellings, null);
      const k = results.find((p) => p.batid === batidOf.get('bc-k1'))!;
      assert.deepEqual(
        [k.heating, k.distance_m],
        [{ installation: 'collectif', energy: 'gaz + electricite', kind: 'collectif_gaz' }, 30],
      );
    });

    test('distance boundary: a footprint at exactly d metres is in, 0.1 m farther is out', async () => {
      const cases: [number, string[]][] = [
        [48.9, ['bc-k1', 'bc-n', 'bc-r']],
        [49, ['bc-a', 'bc-k1', 'bc-n', 'bc-r']],
        [50, ['bc-a', 'bc-k1', 'bc-n', 'bc-r', 'bc-z']],
        [50.9, ['bc-a', 'bc-k1', 'bc-n', 'bc-r', 'bc-z']],
        [51, ['bc-a', 'bc-b', 'bc-k1', 'bc-n', 'bc-r', 'bc-z']],
        [98.9, ['bc-a', 'bc-b', 'bc-k1', 'bc-n', 'bc-r', 'bc-z']],
        [99, ['bc-a', 'bc-b', 'bc-c', 'bc-k1', 'bc-n', 'bc-r', 'bc-z']],
        [101, ['bc-a', 'bc-b', 'bc-c', 'bc-d', 'bc-k1', 'bc-n', 'bc-r', 'bc-z']],
        [120, ['bc-a', 'bc-b', 'bc-c', 'bc-d', 'bc-k1', 'bc-k2', 'bc-n', 'bc-r', 'bc-z']],
        [149, ['bc-a', 'bc-b', 'bc-c', 'bc-d', 'bc-e', 'bc-k1', 'bc-k2', 'bc-n', 'bc-r', 'bc-z']],
        [150.9, ['bc-a', 'bc-b', 'bc-c', 'bc-d', 'bc-e', 'bc-k1', 'bc-k2', 'bc-n', 'bc-r', 'bc-z']],
        [151, ['bc-a', 'bc-b', 'bc-c', 'bc-d', 'bc-e', 'bc-f', 'bc-k1', 'bc-k2', 'bc-n', 'bc-r', 'bc-z']],
        // the closed, cold, untraced and future networks never make a prospect, however far one looks
        [1000, ['bc-a', 'bc-b', 'bc-c', 'bc-d', 'bc-e', 'bc-f', 'bc-k1', 'bc-k2', 'bc-n', 'bc-r', 'bc-z']],
      ];
      for (const [d, expected] of cases) {
        const r = await get(`/v1/prospects?commune=03185&distance_m=${d}&limit=100`);
        assert.equal(r.status, 200, `${d} m: ${JSON.stringify(r.body)}`);
        assert.deepEqual(bcs(r.body.results), expected, `${d} m`);
        for (const p of r.body.results as ProspectJson[])
          assert.ok(p.distance_m <= d, `${d} m: ${p.distance_m}`);
      }
    });

    test('pagination: pages of 3 by BatID, no repeats, the same rows as one page', async () => {
      const all = (await get('/v1/prospects?commune=03185&distance_m=150&limit=100')).body
        .results as ProspectJson[];
      assert.equal(all.length, 10);
      const seen: ProspectJson[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r = await get(
          `/v1/prospects?commune=03185&distance_m=150&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        assert.equal(r.status, 200, JSON.stringify(r.body));
        cursor = r.body.next_cursor;
        if (cursor) assert.equal(r.body.results.length, 3);
        seen.push(...r.body.results);
        pages++;
      } while (cursor);
      assert.equal(pages, 4);
      assert.deepEqual(seen, all);
    });

    test('by network (FCU or SNCU id) and by bbox', async () => {
      const byId = await get('/v1/prospects?network=1');
      assert.deepEqual(bcs(byId.body.results), ['bc-a', 'bc-k1', 'bc-n', 'bc-r', 'bc-z']);
      for (const ref of ['2', '0302C', '0302c']) {
        const r = await get(`/v1/prospects?network=${ref}`);
        assert.equal(r.status, 200, ref);
        assert.deepEqual(bcs(r.body.results), ['bc-o'], ref);
        assert.equal(r.body.results[0].network.sncu_id, '0302C');
        assert.equal(r.body.results[0].distance_m, 40);
      }
      assert.deepEqual(bcs((await get('/v1/prospects?network=5801C')).body.results), ['bc-p']);
      // a closed network exists but has no prospects
      assert.deepEqual((await get('/v1/prospects?network=3&distance_m=1000')).body, {
        results: [],
        next_cursor: null,
      });

      // a box around the footprints of A (49 m) and B (51 m)
      const [box] = await store.query<{ x0: number; y0: number; x1: number; y1: number }>(
        `SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1
           FROM (SELECT ST_Extent(ST_Transform(ST_Buffer(geom_cstr, 5), 4326))::geometry AS e
                   FROM bdnb.batiment_construction WHERE batiment_construction_id IN ('bc-a', 'bc-b')) s`,
      );
      const bbox = [box!.x0, box!.y0, box!.x1, box!.y1].join(',');
      assert.deepEqual(bcs((await get(`/v1/prospects?bbox=${bbox}`)).body.results), ['bc-a']);
      assert.deepEqual(bcs((await get(`/v1/prospects?bbox=${bbox}&distance_m=150`)).body.results), [
        'bc-a',
        'bc-b',
      ]);
    });

    test('CSV: every row (limit ignored), French header, quoted cells', async () => {
      const r = await app.inject(
        pro.with({
          method: 'GET',
          url: '/v1/prospects?commune=03185&distance_m=150&limit=1&format=csv',
        }),
      );
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /^text\/csv/);
      const lines = r.body.trimEnd().split('\n');
      assert.deepEqual(
        cells(lines[0]!),
        PROSPECT_COLUMNS.map((c) => c.header),
      );
      assert.ok(lines[0]!.startsWith('BatID,Adresse,'));
      assert.equal(lines.length, 11);
      const json = (await get('/v1/prospects?commune=03185&distance_m=150&limit=100')).body.results;
      assert.deepEqual(
        lines.slice(1).map((l) => cells(l)[0]),
        json.map((p: ProspectJson) => p.batid),
        'same rows, same order as the listing',
      );
      const a = cells(lines.find((l) => l.startsWith(batidOf.get('bc-a')!))!);
      const col = (key: string) => a[PROSPECT_COLUMNS.findIndex((c) => c.key === key)];
      assert.equal(a.length, PROSPECT_COLUMNS.length);
      assert.equal(col('copropriete'), 'SDC Les Tilleuls, bât. A');
      assert.equal(col('logements'), '20');
      assert.equal(col('distance_m'), '49');
      assert.equal(col('reseau_id_sncu'), '0301C');
      assert.equal(col('energie_chauffage'), 'gaz');
      const n = cells(lines.find((l) => l.startsWith(batidOf.get('bc-n')!))!);
      assert.equal(n[PROSPECT_COLUMNS.findIndex((c) => c.key === 'logements')], '', 'unknown: empty cell');

      const none = await app.inject(pro.with({ method: 'GET', url: '/v1/prospects?network=3&format=csv' }));
      assert.equal(none.statusCode, 200);
      assert.equal(none.body, `${lines[0]}\n`, 'header only');
    });

    test('XLSX: the same rows in a workbook, errors still 4xx', async () => {
      const r = await app.inject(
        pro.with({
          method: 'GET',
          url: '/v1/prospects?commune=03185&distance_m=150&format=xlsx',
        }),
      );
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /spreadsheetml/);
      assert.equal(r.rawPayload.subarray(0, 2).toString(), 'PK');
      assert.ok(r.rawPayload.includes('xl/worksheets/sheet2.xml'));
      const bad = await app.inject(pro.with({ method: 'GET', url: '/v1/prospects?network=999&format=xlsx' }));
      assert.equal(bad.statusCode, 404);
    });

    test('proximity counts at 50/100/150 m for a département', async () => {
      const r = await get('/v1/indicators/networks?dept=03');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const band = (cg: number[], ig: number[], cf: number[]) => ({
        batiments: { collectif_gaz: cg[0], individuel_gaz: ig[0], collectif_fioul: cf[0] },
        logements: { collectif_gaz: cg[1], individuel_gaz: ig[1], collectif_fioul: cf[1] },
        nb_batiments: cg[0]! + cf[0]!,
        nb_logements: cg[1]! + cf[1]!,
      });
      assert.deepEqual(r.body.results, [
        {
          departement_code: '03',
          departement_nom: 'Allier',
          region_code: '84',
          region_nom: 'Auvergne-Rhône-Alpes',
          // heat networks listing a commune of 03, open or not, traced or not (not cold, not future)
          nb_reseaux: 4,
          // weighted by deliveries: (60×3000 + 90×1000 + 30×500) / 4500
          taux_enrr: 63.33,
          // gas: A 49 m (20), K 30 m (40, once), R 40 m (14), N 45 m (no count), Z 50 m (7); fuel: O 40 m (5)
          '50m': band([5, 81], [1, 1], [1, 5]),
          // + B 51 m (10); + C 99 m (8)
          '100m': band([6, 91], [1, 1], [2, 13]),
          // + E 149 m (12); + D 101 m (6); F at 151 m is out
          '150m': band([7, 103], [1, 1], [3, 19]),
        },
      ]);
      assert.deepEqual(r.body.results[0]['50m'].nb_batiments, 6);
    });

    test('proximity counts: every département present, or one that holds nothing', async () => {
      const all = await get('/v1/indicators/networks');
      assert.deepEqual(
        all.body.results.map((d: { departement_code: string }) => d.departement_code),
        ['03', '58'],
      );
      const nievre = all.body.results[1];
      assert.equal(nievre.departement_nom, 'Nièvre');
      assert.deepEqual([nievre.nb_reseaux, nievre.taux_enrr], [1, 80]);
      assert.deepEqual(nievre['50m'].batiments, { collectif_gaz: 1, individuel_gaz: 0, collectif_fioul: 0 });
      assert.equal(nievre['150m'].nb_logements, 15);
      const ariege = (await get('/v1/indicators/networks?dept=09')).body.results[0];
      assert.equal(ariege.departement_nom, 'Ariège');
      assert.deepEqual([ariege.nb_reseaux, ariege.taux_enrr, ariege['150m'].nb_batiments], [0, null, 0]);
    });

    test('bad parameters: 400 with a stable code; an unknown network: 404', async () => {
      const cases: [string, number, string][] = [
        ['/v1/prospects', 400, 'invalid_parameter'],
        ['/v1/prospects?distance_m=50', 400, 'invalid_parameter'],
        ['/v1/prospects?commune=03185&network=1', 400, 'invalid_parameter'],
        ['/v1/prospects?commune=03185&bbox=3,46,3.01,46.01', 400, 'invalid_parameter'],
        ['/v1/prospects?commune=03185&network=1&bbox=3,46,3.01,46.01', 400, 'invalid_parameter'],
        ['/v1/prospects?commune=03185&distance_m=1001', 400, 'invalid_parameter'],
        ['/v1/prospects?commune=03185&distance_m=0', 400, 'invalid_parameter'],
        ['/v1/prospects?commune=03185&distance_m=-5', 400, 'invalid_parameter'],
        ['/v1/prospects?commune=03185&distance_m=abc', 400, 'invalid_parameter'],
        ['/v1/prospects?commune=03185&distance_m=1001&format=csv', 400, 'invalid_parameter'],
        ['/v1/prospects?commune=3185', 400, 'invalid_parameter'],
        ['/v1/prospects?commune=03185&limit=1001', 400, 'invalid_parameter'],
        ['/v1/prospects?commune=03185&limit=0', 400, 'invalid_parameter'],
        ['/v1/prospects?commune=03185&format=xml', 400, 'invalid_parameter'],
        ['/v1/prospects?commune=03185&cursor=%21%21%21', 400, 'invalid_cursor'],
        ['/v1/prospects?bbox=3,45,x,45.1', 400, 'invalid_parameter'],
        ['/v1/prospects?bbox=2,45,3,46', 400, 'bbox_too_large'],
        ['/v1/prospects?network=a-b', 400, 'invalid_parameter'],
        ['/v1/prospects?network=999', 404, 'unknown_network'],
        ['/v1/prospects?network=4', 404, 'unknown_network'], // a cold network is no heat network
        ['/v1/prospects?network=999&format=csv', 404, 'unknown_network'],
        ['/v1/indicators/networks?dept=3', 400, 'invalid_parameter'],
        ['/v1/indicators/networks?dept=20', 400, 'invalid_parameter'],
      ];
      for (const [url, status, code] of cases) {
        const r = await get(url);
        assert.equal(r.status, status, url);
        assert.equal(r.body.error.code, code, url);
        assert.ok(r.body.error.message.length > 5, url);
      }
      // the service checks by itself too (CLI and jobs call it directly)
      for (const params of [
        { commune: '03185', distanceM: 1001 },
        { commune: '03185', distanceM: Number.NaN },
        { commune: '03185', bbox: '3,46,3.01,46.01' },
        {},
      ])
        await assert.rejects(prospects(store, params), ProspectInputError, JSON.stringify(params));
    });

    test('OpenAPI documents both routes with their query parameters', async () => {
      const doc = (await get('/openapi.json')).body;
      const params = (path: string) =>
        doc.paths[path].get.parameters.map((p: { name: string }) => p.name).sort();
      assert.deepEqual(params('/v1/prospects'), [
        'bbox',
        'commune',
        'cursor',
        'distance_m',
        'format',
        'limit',
        'network',
      ]);
      assert.deepEqual(params('/v1/indicators/networks'), ['dept']);
    });

    // last: it closes the test's store, since the command opens the database itself
    test('batid indicators --level departement prints the same counts as JSON or CSV', async () => {
      const expected = (await get('/v1/indicators/networks')).body.results;
      await store.close();
      const conn = backend.connection();
      const db = conn.databaseUrl ? ['--database-url', conn.databaseUrl] : ['--db', conn.dbDir!];
      const run = async (...args: string[]) => {
        let out = '';
        const status = await runIndicators([...args, ...db], (t) => (out += t));
        return { status, out };
      };
      const json = await run('--level', 'departement');
      assert.equal(json.status, 0);
      const parsed = JSON.parse(json.out) as { level: string; results: { reseaux_chaleur: unknown }[] };
      assert.equal(parsed.level, 'departement');
      assert.deepEqual(
        parsed.results.map((r) => r.reseaux_chaleur),
        expected,
      );

      const csv = await run('--level', 'departement', '--code', '03', '--format', 'csv');
      assert.equal(csv.status, 0);
      const [header, row, ...rest] = csv.out.trimEnd().split('\n');
      assert.equal(rest.length, 0);
      const prefix = 'reseaux_chaleur.';
      const all = cells(header!);
      const h = all.filter((c) => c.startsWith(prefix)).map((c) => c.slice(prefix.length));
      const v = cells(row!).filter((_c, i) => all[i]!.startsWith(prefix));
      assert.deepEqual(h.slice(0, 6), [
        'departement_code',
        'departement_nom',
        'region_code',
        'region_nom',
        'nb_reseaux',
        'taux_enrr',
      ]);
      assert.equal(h.length, 6 + 3 * 8);
      const at = (col: string) => v[h.indexOf(col)];
      assert.deepEqual(
        [at('departement_code'), at('departement_nom'), at('taux_enrr')],
        ['03', 'Allier', '63.33'],
      );
      assert.equal(at('50m.batiments.collectif_gaz'), '5');
      assert.equal(at('100m.logements.collectif_fioul'), '13');
      assert.equal(at('150m.nb_logements'), '122');

      assert.equal((await run('--level', 'region')).status, 2);
      assert.equal((await run('--level', 'departement', '--format', 'xml')).status, 2);
    });
  });
}
