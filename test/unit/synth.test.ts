import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize, type SynthResult } from '../../src/synth/synthesize.js';
import { ALLIER_TARGETS } from '../../src/synth/tables.js';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { parseWkt, bbox } from '../../src/geo/wkt.js';
import { CsvParser, type CsvRecord } from '../../src/ingest/csv/csv-parser.js';

const SCALE = 0.02;

async function hashDir(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of (await readdir(dir)).sort()) h.update(f).update(await readFile(join(dir, f)));
  return h.digest('hex');
}

function boxOf(wkt: string): [number, number, number, number] {
  const p = parseWkt(wkt);
  assert.ok(p.ok && p.geom, wkt);
  return bbox(p.geom);
}

async function rows(dir: string, table: string): Promise<string[][]> {
  const p = new CsvParser(',');
  const out: CsvRecord[] = [];
  p.push(await readFile(join(dir, `${table}.csv`), 'utf8'), out);
  p.end(out);
  return out.map((r) => r.fields!);
}

describe('batid synth', () => {
  let a: string;
  let b: string;
  let res: SynthResult;
  before(async () => {
    a = await mkdtemp(join(tmpdir(), 'batid-synth-a-'));
    b = await mkdtemp(join(tmpdir(), 'batid-synth-b-'));
    res = await synthesize({ dept: '03', scale: SCALE, seed: 1, out: a });
  });
  after(async () => {
    await rm(a, { recursive: true, force: true });
    await rm(b, { recursive: true, force: true });
  });

  test('same seed, byte-identical files; another seed, other files', async () => {
    await synthesize({ dept: '03', scale: SCALE, seed: 1, out: b });
    assert.equal(await hashDir(b), await hashDir(a));
    await rm(b, { recursive: true, force: true });
    await synthesize({ dept: '03', scale: SCALE, seed: 2, out: b });
    assert.notEqual(await hashDir(b), await hashDir(a));
  });

  test('every catalogue table is written with its .csvt, plus the FCU network layers', async () => {
    const files = new Set(await readdir(a));
    for (const t of BDNB_TABLES) {
      assert.ok(files.has(`${t.name}.csv`), t.name);
      assert.ok(files.has(`${t.name}.csvt`), `${t.name}.csvt`);
    }
    for (const f of [
      'reseaux_de_chaleur.geojson',
      'reseaux_de_froid.geojson',
      'pdp.geojson',
      'zones_et_reseaux_en_construction.geojson',
    ]) {
      assert.ok(files.has(f), f);
    }
    const heat = JSON.parse(await readFile(join(a, 'reseaux_de_chaleur.geojson'), 'utf8'));
    assert.equal(heat.crs.properties.name, 'urn:ogc:def:crs:EPSG::2154');
    assert.ok(
      heat.features.some((f: { properties: { has_trace: boolean } }) => f.properties.has_trace === false),
    );
    assert.ok(
      heat.features.every(
        (f: { properties: Record<string, unknown> }) =>
          'Identifiant reseau' in f.properties && 'Taux EnR&R' in f.properties,
      ),
    );
  });

  test('row counts follow the Allier export at this scale (within 5%)', () => {
    for (const [table, target] of Object.entries(ALLIER_TARGETS)) {
      const want = target * SCALE;
      const got = res.tables[table]!;
      assert.ok(Math.abs(got - want) / want < 0.05, `${table}: ${got} rows, expected ≈ ${Math.round(want)}`);
    }
  });

  test('footprints never overlap, and each lies inside a parcel', async () => {
    const bc = (await rows(a, 'batiment_construction')).slice(1).map((r) => boxOf(r[0]!));
    const parcels = (await rows(a, 'parcelle')).slice(1).map((r) => boxOf(r[0]!));
    // grid index of 100 m cells
    const cells = new Map<string, number[]>();
    const key = (x: number, y: number) => `${Math.floor(x / 100)}:${Math.floor(y / 100)}`;
    bc.forEach((r, i) => {
      for (let x = Math.floor(r[0] / 100); x <= Math.floor(r[2] / 100); x++)
        for (let y = Math.floor(r[1] / 100); y <= Math.floor(r[3] / 100); y++) {
          const k = `${x}:${y}`;
          if (!cells.has(k)) cells.set(k, []);
          cells.get(k)!.push(i);
        }
    });
    for (const ids of cells.values()) {
      for (let i = 0; i < ids.length; i++)
        for (let j = i + 1; j < ids.length; j++) {
          const p = bc[ids[i]!]!;
          const q = bc[ids[j]!]!;
          assert.ok(
            !(p[0] < q[2] && q[0] < p[2] && p[1] < q[3] && q[1] < p[3]),
            `footprints ${ids[i]} and ${ids[j]} overlap`,
          );
        }
    }
    const pcells = new Map<string, [number, number, number, number][]>();
    for (const p of parcels) {
      const k = key(p[0], p[1]);
      if (!pcells.has(k)) pcells.set(k, []);
      pcells.get(k)!.push(p);
    }
    for (const r of bc) {
      let inside = false;
      for (let dx = -1; dx <= 0 && !inside; dx++)
        for (let dy = -1; dy <= 0 && !inside; dy++) {
          const cand = pcells.get(`${Math.floor(r[0] / 100) + dx}:${Math.floor(r[1] / 100) + dy}`) ?? [];
          inside = cand.some((p) => p[0] <= r[0] && p[1] <= r[1] && p[2] >= r[2] && p[3] >= r[3]);
        }
      assert.ok(inside, `footprint ${r.join(' ')} lies in no parcel`);
    }
  });

  test('real commune names and codes; ids in the modern formats', async () => {
    const bg = await rows(a, 'batiment_groupe');
    const h = bg[0]!;
    const row = bg[1]!;
    assert.match(
      row[h.indexOf('batiment_groupe_id')]!,
      /^bdnb-bg-[1-9A-HJKMNP-TV-Z]{4}-[1-9A-HJKMNP-TV-Z]{4}-[1-9A-HJKMNP-TV-Z]{4}$/,
    );
    assert.equal(row[h.indexOf('code_commune_insee')], '03001');
    assert.equal(row[h.indexOf('libelle_commune_insee')], 'Abrest');
    const adr = await rows(a, 'adresse');
    assert.match(adr[1]![adr[0]!.indexOf('cle_interop_adr')]!, /^03\d{3}_\d{4}_\d{5}(_bis|_ter)?$/);
  });
});
