import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createKey, revokeKey } from '../../src/auth/keys.js';
import { importNetworks } from '../../src/networks/import-networks.js';
import type { Store } from '../../src/store/store.js';
import { backends } from '../helpers/backends.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';
import { EXAMPLE_BILLS } from '../helpers/copro-example.js';

/** The worked example's lines (test/helpers/copro-example.ts) for one year. */
const yearBills = (y: number) => EXAMPLE_BILLS.filter((b) => b.year === y);

for (const make of backends()) {
  describe(`copro energy records and renovation projects [${make().name}]`, () => {
    let db: SyntheticDb;
    let store: Store;
    let app: FastifyInstance;
    let batid: string;
    let otherBatid: string;
    const tok: Record<string, string> = {};
    const req = (
      method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      who?: string,
      body?: unknown,
    ) =>
      app.inject({
        method,
        url,
        headers: who ? { authorization: `Bearer ${tok[who]}` } : {},
        ...(body === undefined ? {} : { payload: body as object }),
      });
    const billCount = async () =>
      (
        await store.query<{ n: number }>('SELECT count(*)::int AS n FROM copro.bill WHERE batid = $1', [
          batid,
        ])
      )[0]!.n;

    before(async () => {
      db = await syntheticDb(make, { scale: 0.01, app: { logLevel: 'silent' } });
      ({ store, app } = db);
      const layers = (await readdir(db.export))
        .filter((f) => f.endsWith('.geojson'))
        .map((f) => join(db.export, f));
      await importNetworks(store, layers);
      const rows = await store.query<{ batid: string }>(
        `SELECT batid FROM batid.building WHERE status = 'constructed' AND batiment_groupe_id IS NOT NULL ORDER BY batid LIMIT 2`,
      );
      batid = rows[0]!.batid;
      otherBatid = rows[1]!.batid;
      for (const [name, role, territories] of [
        ['admin', 'admin', []],
        ['adv03', 'advisor', ['03']],
        ['adv63', 'advisor', ['63']],
        ['pro', 'pro', []],
        ['revoked', 'advisor', ['03']],
      ] as const) {
        const { key, token } = await createKey(store, { role, territories: [...territories], label: name });
        tok[name] = token;
        if (name === 'revoked') await revokeKey(store, key.id);
      }
    });
    after(async () => db?.close());

    test('keys are stored hashed, never in clear', async () => {
      const rows = await store.query<{ token_hash: string }>('SELECT token_hash FROM access.api_key');
      assert.equal(rows.length, 5);
      for (const r of rows)
        assert.ok(!Object.values(tok).includes(r.token_hash) && /^[0-9a-f]{64}$/.test(r.token_hash));
    });

    test('a record is writable only with a key whose role and territory allow it', async () => {
      const body = { name: 'Résidence des Tilleuls', heated_surface_m2: 1850 };
      const url = `/v1/buildings/${batid}/energy`;
      const none = await req('PUT', url, undefined, body);
      assert.equal(none.statusCode, 401);
      assert.match(String(none.headers['www-authenticate']), /^Bearer/);
      assert.equal((await req('PUT', url, 'revoked', body)).statusCode, 401);
      assert.equal((await req('PUT', url, 'pro', body)).statusCode, 403);
      const far = await req('PUT', url, 'adv63', body);
      assert.equal(far.statusCode, 403);
      assert.match(far.json().error.message, /outside the territory/);
      const created = await req('PUT', url, 'adv03', body);
      assert.equal(created.statusCode, 201, created.body);
      const updated = await req('PUT', url, 'adv03', { ...body, heated_surface_m2: 1850 });
      assert.equal(updated.statusCode, 200);
      // reads of another territory's record are refused too
      assert.equal((await req('GET', url, 'adv63')).statusCode, 403);
      assert.equal((await req('GET', url, 'pro')).statusCode, 403);
      assert.equal((await req('GET', url)).statusCode, 401);
      assert.equal((await req('GET', url, 'admin')).statusCode, 200);
    });

    test('bad bills give 400s that name the field, and nothing is half-saved', async () => {
      const url = `/v1/buildings/${batid}/energy/bills`;
      const before = await billCount();
      const good = yearBills(2024)[0]!;
      const cases: [object, RegExp][] = [
        [{ ...good, quantity: -3 }, /bills\[1\]\.quantity/],
        [{ ...good, amount_eur: -1 }, /bills\[1\]\.amount_eur/],
        [{ ...good, energy: 'uranium' }, /bills\/1\/energy|bills\[1\]\.energy/],
        [{ ...good, unit: 'stere' }, /bills\[1\]\.unit/],
        [{ ...good, year: 2099 }, /bills\[1\]\.year.*future/],
        // as sent: null or a string is not a number (the schema's coercion would have made them 0 and 12)
        [{ ...good, quantity: null }, /bills\[1\]\.quantity: expected a number ≥ 0, got null/],
        [{ ...good, amount_eur: '12' }, /bills\[1\]\.amount_eur/],
      ];
      for (const [bad, field] of cases) {
        const r = await req('POST', url, 'adv03', { bills: [good, bad] });
        assert.equal(r.statusCode, 400, r.body);
        assert.match(r.json().error.message, field);
      }
      assert.equal(await billCount(), before, 'the good line of each rejected request was not saved');
      // who may write is said before what is wrong with the body
      assert.equal(
        (await req('POST', url, undefined, { bills: [{ ...good, quantity: -3 }] })).statusCode,
        401,
      );
      assert.equal((await req('POST', url, 'adv63', { bills: [{ ...good, quantity: -3 }] })).statusCode, 403);
      const wrongYear = await req('PUT', `/v1/buildings/${batid}/energy/years/2026`, 'adv03', {
        bills: [good],
      });
      assert.equal(wrongYear.statusCode, 400);
      assert.match(wrongYear.json().error.message, /bills\[0\]\.year: expected 2026/);
      const surface = await req('PUT', `/v1/buildings/${batid}/energy`, 'adv03', { heated_surface_m2: -10 });
      assert.equal(surface.statusCode, 400);
      assert.match(surface.json().error.message, /heated_surface_m2/);
      const net = await req('PUT', `/v1/buildings/${batid}/energy`, 'adv03', {
        heated_surface_m2: 10,
        reseau_id_fcu: 987654,
      });
      assert.equal(net.statusCode, 400);
      assert.match(net.json().error.message, /reseau_id_fcu/);
      const noRecord = await req('POST', `/v1/buildings/${otherBatid}/energy/bills`, 'adv03', {
        bills: [good],
      });
      assert.equal(noRecord.statusCode, 404);
    });

    test('entered years and degree days give the worked example’s figures', async () => {
      for (const y of [2024, 2026]) {
        const r = await req('PUT', `/v1/buildings/${batid}/energy/years/${y}`, 'adv03', {
          bills: yearBills(y),
        });
        assert.equal(r.statusCode, 200, r.body);
      }
      // entering a year again replaces it
      const again = await req('PUT', `/v1/buildings/${batid}/energy/years/2024`, 'adv03', {
        bills: yearBills(2024),
      });
      assert.equal(again.statusCode, 200);
      assert.equal(await billCount(), 6);
      assert.equal(
        (await req('PUT', '/v1/degree-days/03/reference', 'adv63', { dju: 2500, source: 'x' })).statusCode,
        403,
      );
      for (const [y, dju] of [
        ['reference', 2500],
        ['2024', 2150],
        ['2026', 2400],
      ] as const) {
        const r = await req('PUT', `/v1/degree-days/03/${y}`, 'adv03', { dju, source: 'test' });
        assert.equal(r.statusCode, 200, r.body);
      }
      const r = await req('GET', `/v1/buildings/${batid}/energy`, 'adv03');
      assert.equal(r.statusCode, 200, r.body);
      const { report, bills } = r.json();
      assert.equal(bills.length, 6);
      const [y24, y26] = report.years;
      assert.equal(y24.year, 2024);
      assert.equal(y24.kwh_final, 211009.9);
      assert.equal(y24.kwh_ep_m2, 120.9);
      assert.equal(y24.climate.kwh_ep_m2_corrige, 135.5);
      assert.equal(y24.eur, 15604);
      assert.equal(y24.label_estime, 'C');
      assert.equal(y26.electricity_factor, 1.9);
      assert.equal(y26.kwh_ep_m2, 106.1);
      assert.equal(y26.climate.kwh_ep_m2_corrige, 109.4);
      assert.equal(report.degree_days.reference, 2500);
      assert.ok(Array.isArray(report.comparison.dle));
      // works in 2025: before (2024) / after (2026)
      const w = await req('POST', `/v1/buildings/${batid}/energy/works`, 'adv03', {
        date_fin: '2025-06-30',
        description: 'isolation des façades',
      });
      assert.equal(w.statusCode, 201);
      const ba = (await req('GET', `/v1/buildings/${batid}/energy`, 'adv03')).json().report.before_after;
      const mine = ba.find((b: { source: string }) => b.source === 'travaux saisis');
      assert.equal(mine.kwh_final_before, 237895.6);
      assert.equal(mine.kwh_final_after, 194088.3);
      const csv = await req('GET', `/v1/buildings/${batid}/energy/years.csv`, 'adv03');
      assert.equal(csv.statusCode, 200);
      assert.match(csv.body, /^\ufeffannee;surface_chauffee_m2;/);
      assert.match(csv.body, /\r\n2024;1850;211009\.9;/);
    });

    test('the heat network’s own CO₂ content is used when the building is linked to one', async () => {
      const [n] = await store.query<{ id_fcu: number; co2: number }>(
        `SELECT id_fcu, co2 FROM fcu.network WHERE layer = 'reseau_de_chaleur' AND co2 IS NOT NULL ORDER BY id_fcu LIMIT 1`,
      );
      assert.ok(n, 'the synthetic networks have a CO2 content');
      const r = await req('PUT', `/v1/buildings/${batid}/energy`, 'adv03', {
        heated_surface_m2: 1850,
        reseau_id_fcu: n.id_fcu,
      });
      assert.equal(r.statusCode, 200, r.body);
      const rep = (await req('GET', `/v1/buildings/${batid}/energy`, 'adv03')).json().report;
      assert.equal(rep.reseau.id_fcu, n.id_fcu);
      assert.equal(rep.co2_heat_network_kg_kwh, n.co2);
    });

    test('every change keeps who and when', async () => {
      const r = await req('GET', `/v1/buildings/${batid}/energy/audit`, 'adv03');
      assert.equal(r.statusCode, 200);
      const changes = r.json().changes as { key_label: string; entity: string; action: string; at: string }[];
      assert.ok(changes.length >= 10);
      assert.ok(changes.every((c) => c.key_label === 'adv03' && /^\d{4}-\d\d-\d\dT/.test(c.at)));
      assert.ok(
        changes.some((c) => c.entity === 'bill' && c.action === 'delete'),
        're-entering a year is audited',
      );
      assert.equal((await req('GET', `/v1/buildings/${batid}/energy/audit`, 'adv63')).statusCode, 403);
    });

    test('renovation projects: stages, notes, SARE acts, export and dashboard in the key’s territory', async () => {
      const c = await req('POST', '/v1/projects', 'adv03', {
        batid,
        title: 'Rénovation globale',
        date: '2024-01-15',
      });
      assert.equal(c.statusCode, 201, c.body);
      const id = c.json().id as string;
      assert.equal(c.json().stage, 'premier_contact');
      for (const [stage, date] of [
        ['audit', '2024-03-01'],
        ['travaux_votes', '2024-09-20'],
        ['travaux_realises', '2025-06-30'],
      ]) {
        const r = await req('PATCH', `/v1/projects/${id}`, 'adv03', { stage, date });
        assert.equal(r.statusCode, 200, r.body);
      }
      const back = await req('PATCH', `/v1/projects/${id}`, 'adv03', { stage: 'suivi', date: '2025-01-01' });
      assert.equal(back.statusCode, 400);
      assert.match(back.json().error.message, /^date:/);
      assert.equal(
        (
          await req('POST', `/v1/projects/${id}/notes`, 'adv03', {
            date: '2024-03-02',
            text: 'Audit remis au conseil syndical',
          })
        ).statusCode,
        201,
      );
      for (const [code, date] of [
        ['A1', '2024-01-15'],
        ['A2', '2024-02-10'],
        ['A4', '2024-10-01'],
      ])
        assert.equal((await req('POST', `/v1/projects/${id}/acts`, 'adv03', { code, date })).statusCode, 201);
      const badAct = await req('POST', `/v1/projects/${id}/acts`, 'adv03', { code: 'Z9' });
      assert.equal(badAct.statusCode, 400);
      const p = (await req('GET', `/v1/projects/${id}`, 'adv03')).json();
      assert.equal(p.stage, 'travaux_realises');
      assert.equal(p.stages.length, 4);
      assert.equal(p.notes[0].text, 'Audit remis au conseil syndical');
      assert.deepEqual(
        p.acts.map((a: { code: string }) => a.code),
        ['A1', 'A2', 'A4'],
      );
      // another territory sees nothing
      assert.equal((await req('GET', `/v1/projects/${id}`, 'adv63')).statusCode, 403);
      assert.equal((await req('GET', '/v1/projects', 'adv63')).json().results.length, 0);
      assert.equal((await req('GET', '/v1/projects', 'adv03')).json().results.length, 1);
      const csv = await req('GET', '/v1/projects/acts.csv?from=2024-02-01', 'adv03');
      assert.equal(csv.statusCode, 200);
      const lines = csv.body
        .replace(/^\ufeff/, '')
        .trim()
        .split('\r\n');
      assert.equal(
        lines[0],
        'date_acte;code_acte;libelle_acte;id_projet;titre_projet;etape_projet;batid;code_commune_insee;code_departement_insee;commentaire',
      );
      assert.equal(lines.length, 3);
      assert.match(lines[1]!, /^2024-02-10;A2;Conseil personnalisé;/);
      const d = (await req('GET', '/v1/projects/dashboard', 'adv03')).json();
      assert.equal(d.projects, 1);
      assert.equal(d.by_stage.travaux_realises, 1);
      assert.deepEqual(d.acts_by_code, { A1: 1, A2: 1, A4: 1 });
      assert.equal(d.finished.measured, 1);
      assert.equal(d.finished.kwh_saved_per_year, 43807.3);
      assert.equal((await req('GET', '/v1/projects/dashboard', 'adv63')).json().projects, 0);
    });

    test('the OpenAPI document lists the routes with their bearer security', async () => {
      const spec = (await req('GET', '/openapi.json')).json();
      assert.ok(spec.components.securitySchemes.bearerAuth);
      assert.deepEqual(spec.paths['/v1/buildings/{batid}/energy'].put.security, [{ bearerAuth: [] }]);
      assert.ok(spec.paths['/v1/projects/acts.csv']);
    });
  });
}
