import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKey } from '../../src/auth/keys.js';
import { DirectoryInputError, importDirectory } from '../../src/directory/import-directory.js';
import { lambert93ToWgs84 } from '../../src/geo/crs.js';
import { RejectWriter } from '../../src/ingest/rejects.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';
import { batidCli } from '../helpers/cli.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';

const HEADER =
  'id;nom;specialites;rge;rge_qualifications;rge_fin_validite;siret;adresse;code_postal;commune;code_commune_insee;lon;lat;departements_intervention;communes_intervention;rayon_km;site_web;telephone;email;contact_nom';

interface Pro {
  id: string;
  name: string;
  specialties: { code: string; label: string }[];
  rge: { qualified: boolean; valid: boolean };
  address: { lon: number | null; lat: number | null; located_by: string; code_commune_insee: string | null };
  distance_m: number | null;
  contact: Record<string, string | null>;
}
interface Page {
  place: { communes: string[]; departements: string[]; lon: number | null; resolved_by: string };
  results: Pro[];
  next_cursor: string | null;
}

/** A SIRET with a valid Luhn key: 13 digits and the check digit that completes them. */
function withLuhn(first13: string): string {
  for (let d = 0; d <= 9; d++) {
    const s = `${first13}${d}`;
    let sum = 0;
    for (let i = 0; i < 14; i++) {
      let v = Number(s[13 - i]);
      if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
    }
    if (sum % 10 === 0) return s;
  }
  throw new Error('unreachable');
}

for (const make of backends()) {
  describe(`directory of professionals: import, search, building [${make().name}]`, () => {
    let db: SyntheticDb;
    let store: Store;
    /** A building, its commune, a postcode of that commune and its point (Lambert-93). */
    let batid: string;
    let commune: string;
    let otherCommune: string;
    let postcode: string;
    let bx: number;
    let by: number;
    /** An address of the synthetic département, to be geocoded. */
    let addr: { street: string; postcode: string; commune: string; insee: string; x: number; y: number };
    const good = withLuhn('8123456780001');
    const lonLatAt = (dxM: number) => lambert93ToWgs84(bx + dxM, by).map((v) => v.toFixed(8));

    before(async () => {
      db = await syntheticDb(make, { scale: 0.005, app: { logLevel: 'silent', jobs: false } });
      store = db.store;
      const [b] = await store.query<{ batid: string; commune: string; x: number; y: number }>(
        `SELECT b.batid, g.code_commune_insee AS commune,
                ST_X(ST_PointOnSurface(b.geom)) AS x, ST_Y(ST_PointOnSurface(b.geom)) AS y
           FROM batid.building b
           JOIN bdnb.batiment_groupe g
             ON g.code_departement_insee = b.code_departement_insee AND g.batiment_groupe_id = b.batiment_groupe_id
          WHERE b.status = 'constructed' AND g.code_commune_insee IS NOT NULL AND b.geom IS NOT NULL
          ORDER BY b.batid LIMIT 1`,
      );
      assert.ok(b, 'a standing building with a commune');
      ({ batid, commune, x: bx, y: by } = b);
      const [p] = await store.query<{ cp: string }>(
        `SELECT min(code_postal) AS cp FROM bdnb.adresse WHERE code_commune_insee = $1`,
        [commune],
      );
      postcode = p!.cp;
      const [o] = await store.query<{ c: string }>(
        `SELECT min(code_commune_insee) AS c FROM bdnb.adresse WHERE code_commune_insee <> $1`,
        [commune],
      );
      otherCommune = o!.c;
      const [a] = await store.query<{
        street: string;
        postcode: string;
        commune: string;
        insee: string;
        x: number;
        y: number;
      }>(
        `SELECT concat_ws(' ', numero, rep, type_voie, nom_voie) AS street, code_postal AS postcode,
                libelle_commune AS commune, code_commune_insee AS insee,
                ST_X(geom_adresse) AS x, ST_Y(geom_adresse) AS y
           FROM bdnb.adresse
          WHERE numero IS NOT NULL AND code_postal IS NOT NULL AND libelle_commune IS NOT NULL
          ORDER BY cle_interop_adr LIMIT 1`,
      );
      assert.ok(a && postcode && otherCommune, 'addresses with postcodes in two communes');
      addr = a;
    });
    after(async () => db?.close());

    const get = async (url: string) => {
      const r = await db.app.inject({ url });
      assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
      return r.json() as Page;
    };
    const ids = (p: Page) => p.results.map((r) => r.id).sort();

    /** A row of the file in HEADER order (missing columns empty). */
    const row = (v: Record<string, string>) => {
      const cols = HEADER.split(';');
      for (const k of Object.keys(v)) assert.ok(cols.includes(k), k);
      return cols.map((c) => v[c] ?? '').join(';');
    };
    /** The main file: good rows and one bad row of each kind, `;`-separated, with a BOM. */
    const mainFile = () => {
      const [lon8, lat8] = lonLatAt(8000);
      const [lon12, lat12] = lonLatAt(12000);
      const [lon1, lat1] = lonLatAt(1000);
      const dept03 = { departements_intervention: '03' };
      return [
        HEADER,
        // 2: works in the whole département 03, RGE until 2099, isolation
        row({
          id: 'dept03',
          nom: 'Isolation Dept',
          specialites: 'isolation|Menuiseries',
          rge: 'oui',
          rge_qualifications: 'Qualibat 7131',
          rge_fin_validite: '2099-12-31',
          siret: good.replace(/(\d{3})(\d{3})(\d{3})/, '$1 $2 $3 '),
          lon: lon1!,
          lat: lat1!,
          ...dept03,
          site_web: 'isolation.example',
          telephone: '04 65 71 00 01',
          email: 'Contact@Isolation.example',
          contact_nom: 'Jean Dupont',
        }),
        // 3: no name
        row({ id: 'noname', specialites: 'isolation', ...dept03 }),
        // 4: unknown specialty
        row({ id: 'badspec', nom: 'Plomberie SA', specialites: 'isolation|plomberie', ...dept03 }),
        // 5: bad SIRET (Luhn)
        row({
          id: 'badsiret',
          nom: 'Mauvais Siret',
          specialites: 'chauffage',
          siret: `${good.slice(0, 13)}${(Number(good[13]) + 1) % 10}`,
          ...dept03,
        }),
        // 6: bad postcode
        row({
          id: 'badcp',
          nom: 'Mauvais CP',
          specialites: 'chauffage',
          adresse: '1 rue X',
          code_postal: '3100',
          ...dept03,
        }),
        // 7: works in one commune only, heating, not RGE
        row({
          id: 'commune1',
          nom: 'Chauffage Commune',
          specialites: 'Chauffage',
          rge: 'non',
          communes_intervention: commune,
        }),
        // 8: duplicate id of line 2
        row({ id: 'dept03', nom: 'Encore Dept', specialites: 'isolation', ...dept03 }),
        // 9: works in 63 only (not in 03)
        row({
          id: 'dept63',
          nom: 'Auvergne Sud',
          specialites: 'isolation',
          rge: 'oui',
          departements_intervention: '63',
        }),
        // 10: radius 10 km, 8 km from the building
        row({
          id: 'r8',
          nom: 'Rayon Huit',
          specialites: 'isolation|ventilation',
          lon: lon8!,
          lat: lat8!,
          rayon_km: '10',
        }),
        // 11: radius 10 km, 12 km from the building
        row({
          id: 'r12',
          nom: 'Rayon Douze',
          specialites: 'isolation',
          lon: lon12!,
          lat: lat12!,
          rayon_km: '10',
        }),
        // 12: RGE expired, whole département
        row({
          id: 'expired',
          nom: 'RGE Echu',
          specialites: 'isolation',
          rge: 'oui',
          rge_qualifications: 'QualiPAC',
          rge_fin_validite: '01/01/2020',
          ...dept03,
        }),
        // 13: located from its address by the address index
        row({
          id: 'geocoded',
          nom: 'Adresse Connue',
          specialites: 'amo',
          adresse: addr.street,
          code_postal: addr.postcode,
          commune: addr.commune,
          ...dept03,
        }),
        // 14: an address the index cannot find: kept, not located, with a warning
        row({
          id: 'lost',
          nom: 'Adresse Inconnue',
          specialites: 'solaire',
          adresse: '999 impasse des Nulle Part',
          code_postal: postcode,
          rayon_km: '25',
        }),
        // 15: bad commune code in the area
        row({ id: 'badarea', nom: 'Zone Fausse', specialites: 'solaire', communes_intervention: '9Z999' }),
        // 16: a field short
        `short;Trop Court;isolation;oui`,
        '',
      ].join('\n');
    };

    test('import: good rows kept, each bad row in the rejects with its line, column and reason', async () => {
      const path = join(db.dir, 'annuaire.csv');
      await writeFile(path, `\uFEFF${mainFile()}`);
      const rejectsPath = join(db.dir, 'annuaire.rejects.csv');
      const rejects = new RejectWriter(rejectsPath);
      const r = await importDirectory(store, path, { rejects });
      await rejects.close();
      assert.equal(r.imported, 8);
      assert.equal(r.rejected, 7);
      assert.equal(r.duplicates, 1);
      assert.equal(r.warnings, 1);
      assert.deepEqual(r.located, { lonlat: 3, address: 1, none: 4 });
      assert.deepEqual(r.ignoredColumns, ['contact_nom'], 'a contact person is not kept');
      const lines = (await readFile(rejectsPath, 'utf8')).trim().split('\n').slice(1);
      const where = lines.map((l) => l.split(',').slice(1, 4).join(','));
      assert.deepEqual(where, [
        '3,2,rejected',
        '4,3,rejected',
        '5,7,rejected',
        '6,9,rejected',
        '8,1,duplicate',
        '14,8,warning',
        '15,15,rejected',
        '16,,rejected',
      ]);
      assert.match(lines[0]!, /nom is empty/);
      assert.match(lines[1]!, /unknown specialty ""plomberie""/);
      assert.match(lines[2]!, /SIRET \d{14} fails its check digit \(Luhn key\)/);
      assert.match(lines[3]!, /code_postal: expected 5 digits/);
      assert.match(lines[5]!, /not located|not found/);
      assert.match(lines[6]!, /9Z999/);
      assert.match(lines[7]!, /expected 20 fields, got 4/);
      const rows = await store.query<{
        id: string;
        specialties: string[];
        siret: string | null;
        email: string | null;
        website: string | null;
        phone: string | null;
        geocoding: string;
      }>(
        `SELECT id, specialties, siret, email, website, phone, geocoding FROM directory.professional ORDER BY id`,
      );
      assert.deepEqual(
        rows.map((x) => x.id),
        ['commune1', 'dept03', 'dept63', 'expired', 'geocoded', 'lost', 'r12', 'r8'].sort(),
      );
      const d = rows.find((x) => x.id === 'dept03')!;
      assert.deepEqual(d.specialties, ['isolation', 'menuiseries']);
      assert.equal(d.siret, good);
      assert.equal(d.email, 'contact@isolation.example');
      assert.equal(d.website, 'https://isolation.example/');
      assert.equal(d.phone, '0465710001');
      const [geo] = await store.query<{ dist: number; insee: string }>(
        `SELECT ST_Distance(geom, ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 2154)) AS dist, code_commune_insee AS insee
           FROM directory.professional WHERE id = 'geocoded'`,
        [addr.x, addr.y],
      );
      assert.ok(geo!.dist < 1, `geocoded onto its address, got ${geo!.dist} m away`);
      assert.equal(geo!.insee, addr.insee, 'the commune comes from the geocoded address');
    });

    test('search by specialty and postcode, by commune; the RGE filter', async () => {
      const byCp = await get(`/v1/professionals?specialty=isolation&postcode=${postcode}`);
      assert.ok(byCp.place.communes.includes(commune), 'the postcode covers the building’s commune');
      assert.ok(ids(byCp).includes('dept03'));
      assert.ok(!ids(byCp).includes('dept63'), 'a professional of another département is not listed');
      assert.ok(!ids(byCp).includes('commune1'), 'heating only: filtered out by specialty');
      const heat = await get(`/v1/professionals?specialty=chauffage&commune=${commune}`);
      assert.deepEqual(ids(heat), ['commune1']);
      const elsewhere = await get(`/v1/professionals?specialty=chauffage&commune=${otherCommune}`);
      assert.deepEqual(ids(elsewhere), [], 'a commune-list professional works only in its communes');
      const two = await get(`/v1/professionals?specialty=chauffage,isolation&commune=${commune}`);
      assert.ok(ids(two).includes('commune1') && ids(two).includes('dept03'));
      const all = await get(`/v1/professionals?commune=${commune}`);
      assert.ok(ids(all).includes('expired'));
      const rge = await get(`/v1/professionals?commune=${commune}&rge=true`);
      assert.deepEqual(ids(rge), ['dept03'], 'RGE and not expired');
      const p = rge.results[0]!;
      assert.deepEqual(
        p.specialties.map((s) => s.label),
        ['Isolation', 'Menuiseries'],
      );
      assert.deepEqual(p.rge, {
        qualified: true,
        valid: true,
        qualifications: ['Qualibat 7131'],
        valid_until: '2099-12-31',
      });
      const bad = await db.app.inject({ url: `/v1/professionals?specialty=plomberie&commune=${commune}` });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, 'invalid_specialty');
      const none = await db.app.inject({ url: `/v1/professionals?specialty=isolation` });
      assert.equal(none.statusCode, 400);
      assert.equal(none.json().error.code, 'invalid_place');
      const both = await db.app.inject({ url: `/v1/professionals?commune=${commune}&postcode=${postcode}` });
      assert.equal(both.statusCode, 400);
    });

    test('search by distance: a 10 km radius reaches 8 km, not 12 km; nearest first, WGS84 out', async () => {
      const [lon, lat] = lambert93ToWgs84(bx, by);
      const near = await get(`/v1/professionals?lon=${lon}&lat=${lat}&specialty=isolation`);
      assert.ok(ids(near).includes('r8'));
      assert.ok(!ids(near).includes('r12'));
      const r8 = near.results.find((r) => r.id === 'r8')!;
      assert.ok(Math.abs(r8.distance_m! - 8000) <= 2, `8 km, got ${r8.distance_m}`);
      assert.ok(r8.address.lon! > -5 && r8.address.lon! < 10 && r8.address.lat! > 41 && r8.address.lat! < 52);
      const ds = near.results.map((r) => r.distance_m ?? Infinity);
      assert.deepEqual(
        ds,
        [...ds].sort((a, b) => a - b),
        'sorted by distance, unlocated last',
      );
      // the searcher's own radius: only professionals located within it
      const within = await get(`/v1/professionals?lon=${lon}&lat=${lat}&radius_km=5`);
      assert.ok(within.results.every((r) => r.distance_m !== null && r.distance_m <= 5000));
      assert.ok(ids(within).includes('dept03') && !ids(within).includes('r8'));
      // pages: the same rows, in the same order, one at a time
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const pg: Page = await get(
          `/v1/professionals?lon=${lon}&lat=${lat}&specialty=isolation&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...pg.results.map((r) => r.id));
        cursor = pg.next_cursor;
      } while (cursor);
      assert.deepEqual(
        seen,
        near.results.map((r) => r.id),
      );
    });

    test('GET /v1/buildings/{batid}/professionals: those who work in the building’s commune', async () => {
      const r = (await get(`/v1/buildings/${batid}/professionals`)) as Page & { batid: string };
      assert.equal(r.batid, batid);
      assert.deepEqual(r.place.communes, [commune]);
      assert.deepEqual(ids(r), ['commune1', 'dept03', 'expired', 'geocoded', 'r8'].sort());
      const iso = await get(`/v1/buildings/${batid}/professionals?specialty=isolation&rge=true`);
      assert.deepEqual(ids(iso), ['dept03']);
      const missing = await db.app.inject({ url: '/v1/buildings/BATIDINCONNU/professionals' });
      assert.ok([400, 404].includes(missing.statusCode), missing.body);
      const doc = (await db.app.inject({ url: '/openapi.json' })).json() as {
        paths: Record<string, unknown>;
      };
      assert.ok(doc.paths['/v1/professionals'], 'in the OpenAPI');
      assert.ok(doc.paths['/v1/buildings/{batid}/professionals']);
      assert.ok(doc.paths['/v1/directory/import']);
    });

    test('--replace: the file becomes the whole directory; without it rows are upserted by id', async () => {
      const csv = (rows: string[]) =>
        ['id,nom,specialites,departements_intervention,rayon_km', ...rows, ''].join('\n');
      const path = join(db.dir, 'remplace.csv');
      const sink = { add: async () => undefined };
      await writeFile(path, csv(['a,Alpha,isolation,03,', 'b,Beta,"chauffage|solaire",03,']));
      const r = await importDirectory(store, path, { rejects: sink, replace: true });
      assert.equal(r.imported, 2);
      assert.equal(r.removed, 8);
      const names = async () =>
        (
          await store.query<{ id: string; name: string }>(
            `SELECT id, name FROM directory.professional ORDER BY id`,
          )
        ).map((x) => `${x.id}:${x.name}`);
      assert.deepEqual(await names(), ['a:Alpha', 'b:Beta']);
      await writeFile(path, csv(['b,Beta Bis,chauffage,03,', 'c,Gamma,amo,,15']));
      const u = await importDirectory(store, path, { rejects: sink });
      assert.equal(u.imported, 2);
      assert.equal(u.removed, 0);
      assert.deepEqual(await names(), ['a:Alpha', 'b:Beta Bis', 'c:Gamma']);
      // a file with no valid row never empties the directory
      await writeFile(path, csv([',,isolation,03,']));
      await assert.rejects(
        importDirectory(store, path, { rejects: sink, replace: true }),
        DirectoryInputError,
      );
      assert.deepEqual(await names(), ['a:Alpha', 'b:Beta Bis', 'c:Gamma']);
      // a file without the required columns is refused as a whole
      await writeFile(path, 'name,specialty\nX,isolation\n');
      await assert.rejects(
        importDirectory(store, path, { rejects: sink }),
        /missing column\(s\) nom, specialites/,
      );
    });

    test('POST /v1/directory/import (admin): CSV body, rejects listed; audited', async () => {
      const { token } = await createKey(store, { role: 'admin', label: 'annuaire' });
      const body = 'nom;specialites;siret;departements_intervention\nHttp SA;isolation;;03\nSans;;;03\n';
      const r = await db.app.inject({
        method: 'POST',
        url: '/v1/directory/import?source=test-http',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        payload: body,
      });
      assert.equal(r.statusCode, 200, r.body);
      const j = r.json() as {
        imported: number;
        rejected: number;
        rejects: { line: number; column: number }[];
      };
      assert.equal(j.imported, 1);
      assert.equal(j.rejected, 1);
      assert.deepEqual(
        j.rejects.map((x) => [x.line, x.column]),
        [[3, 2]],
      );
      const [row] = await store.query<{ source: string }>(
        `SELECT source FROM directory.professional WHERE name = 'Http SA'`,
      );
      assert.equal(row?.source, 'test-http');
      const audit = await store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM access.audit WHERE entity = 'directory' AND key_label = 'annuaire'`,
      );
      assert.equal(audit[0]!.n, 1);
      const anon = await db.app.inject({
        method: 'POST',
        url: '/v1/directory/import',
        headers: { 'content-type': 'text/csv' },
        payload: body,
      });
      assert.equal(anon.statusCode, 401);
    });
  });

  describe(`batid directory import (CLI) [${make().name}]`, () => {
    let backend: Backend;
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'batid-directory-cli-'));
      backend = make();
      await (await backend.open()).close();
    });
    after(async () => {
      await backend?.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    test('prints "N imported, M rejected", writes the rejects next to the file', async () => {
      const path = join(dir, 'annuaire.csv');
      await writeFile(
        path,
        'nom,specialites,siret,code_postal,departements_intervention\nA,isolation,,03100,03\nB,isolation,,3100,03\nC,toiture,,,03\n',
      );
      const c = batidCli(backend, 'directory', ['import', path]);
      assert.equal(c.status, 0, c.stderr);
      assert.match(c.stdout, /^1 imported, 2 rejected/);
      const rejects = await readFile(path.replace(/\.csv$/, '.rejects.csv'), 'utf8');
      assert.match(rejects, /,3,4,rejected,"code_postal: expected 5 digits/);
      assert.match(rejects, /,4,2,rejected,"specialites: unknown specialty ""toiture""/);
      assert.doesNotMatch(rejects, /^annuaire\.csv,2,/m, 'a row with nothing to locate is not a warning');
      const s = await openStore(backend.connection());
      try {
        const n = await s.query<{ n: number }>('SELECT count(*)::int AS n FROM directory.professional');
        assert.equal(n[0]!.n, 1);
      } finally {
        await s.close();
      }
      const bad = batidCli(backend, 'directory', ['import', join(dir, 'absent.csv')]);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /cannot read/);
    });
  });
}
