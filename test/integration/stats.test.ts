import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { PublicStats } from '../../src/http/stats-routes.js';
import { eligibilityOfBuilding } from '../../src/networks/eligibility-service.js';
import { TestCounter } from '../../src/stats/usage.js';
import type { Store } from '../../src/store/store.js';
import { backends } from '../helpers/backends.js';
import { constructedBuildings, importSyntheticNetworks } from '../helpers/networks-fixture.js';
import { proKey } from '../helpers/pro-key.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';

const requester = {
  requester_type: 'bailleur_social',
  name: 'Zéphyrin Statistique',
  email: 'zephyrin.stat@exemple.test',
  phone: '06 98 76 54 32',
  heating_mode: 'collectif',
  heating_energy: 'fioul',
  dwellings: 40,
  message: 'Message privé qui ne doit jamais apparaître dans les statistiques.',
  consent: true,
};

for (const make of backends()) {
  describe(`public statistics [${make().name}]`, () => {
    const pro = proKey();
    let db: SyntheticDb;
    let store: Store;
    let app: FastifyInstance;
    let eligible: { batid: string; sncu: string; address: string };
    let labels: string[];

    const stats = async (): Promise<PublicStats> => {
      const res = await app.inject({ url: '/v1/stats' });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<PublicStats>();
    };
    const thisMonth = () => new Date().toISOString().slice(0, 7);
    const monthRow = (s: PublicStats) => s.per_month.find((m) => m.month === thisMonth());

    before(async () => {
      db = await syntheticDb(make, { scale: 0.01, app: { logLevel: 'silent' } });
      ({ store, app } = db);
      await pro.make(store);
      await importSyntheticNetworks(db);
      for (const { batid } of await constructedBuildings(store)) {
        const a = await eligibilityOfBuilding(store, batid);
        if (a.eligible && a.assigned_network_id !== null && a.network?.sncu_id) {
          eligible = { batid, sncu: a.network.sncu_id, address: '' };
          break;
        }
      }
      assert.ok(eligible, 'the synthetic département has an eligible building on a network with an SNCU id');
      labels = (
        await store.query<{ label: string }>(
          `SELECT libelle_adresse AS label FROM bdnb.adresse ORDER BY cle_interop_adr LIMIT 12`,
        )
      ).map((r) => r.label);
    });
    after(async () => db?.close());

    test('an empty database: every count is zero, the shares are null', async () => {
      const s = await stats();
      assert.deepEqual(s.addresses_tested, {
        total: 0,
        single: 0,
        bulk: 0,
        eligible: 0,
        eligible_share: null,
      });
      assert.equal(s.demands.total, 0);
      assert.equal(s.demands.eligible_share, null);
      assert.deepEqual(
        s.demands.per_status.map((r) => [r.status, r.n]),
        [
          ['a_traiter', 0],
          ['non_realisable', 0],
          ['recontacte_pour_etude', 0],
          ['proposition_envoyee', 0],
          ['vote_en_ag', 0],
          ['travaux_en_cours', 0],
          ['realise', 0],
          ['projet_abandonne', 0],
        ],
      );
      assert.equal(s.demands.per_status[2]!.label, 'Recontacté pour étude');
      assert.deepEqual(s.per_month, []);
    });

    test('a single eligibility test counts at once (eligible), a failed one does not', async () => {
      const res = await app.inject({ url: `/v1/eligibility?batid=${eligible.batid}` });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().eligible, true);
      const missing = await app.inject({ url: '/v1/eligibility?batid=BATID0000000X' });
      assert.notEqual(missing.statusCode, 200);
      const s = await stats();
      assert.deepEqual(s.addresses_tested, { total: 1, single: 1, bulk: 0, eligible: 1, eligible_share: 1 });
      assert.deepEqual(monthRow(s), {
        month: thisMonth(),
        tests_single: 1,
        tests_bulk: 0,
        tests_eligible: 1,
        demands: 0,
      });
      // a far point is tested, not eligible
      const far = await app.inject({ url: '/v1/eligibility?lon=2.0&lat=48.0' });
      assert.equal(far.statusCode, 200, far.body);
      assert.equal(far.json().eligible, false);
      const s2 = await stats();
      assert.deepEqual(s2.addresses_tested, {
        total: 2,
        single: 2,
        bulk: 0,
        eligible: 1,
        eligible_share: 0.5,
      });
    });

    test('a bulk job counts its rows once, when it is done', async () => {
      const csv = ['ref;adresse', ...labels.map((l, i) => `R${i};"${l}"`)].join('\n');
      const res = await app.inject(
        pro.with({
          method: 'POST',
          url: '/v1/eligibility/bulk',
          headers: { 'content-type': 'text/csv' },
          payload: csv,
        }),
      );
      assert.equal(res.statusCode, 202, res.body);
      const id = res.json().job_id as string;
      let job: { status: string } = { status: 'pending' };
      for (let i = 0; i < 300 && job.status !== 'done' && job.status !== 'failed'; i++) {
        await new Promise((ok) => setTimeout(ok, 100));
        job = (await app.inject(pro.with({ url: `/v1/jobs/${id}` }))).json();
      }
      assert.equal(job.status, 'done', JSON.stringify(job));
      const [rows] = await store.query<{ n: number; e: number }>(
        `SELECT count(*)::int AS n, (count(*) FILTER (WHERE eligible))::int AS e FROM jobs.eligibility_row WHERE job_id = $1`,
        [id],
      );
      assert.equal(rows!.n, labels.length);
      const s = await stats();
      assert.equal(s.addresses_tested.bulk, labels.length);
      assert.equal(s.addresses_tested.single, 2);
      assert.equal(s.addresses_tested.total, labels.length + 2);
      assert.equal(s.addresses_tested.eligible, 1 + rows!.e);
      assert.equal(monthRow(s)!.tests_bulk, labels.length);
      // reading the job again does not count it again
      await app.inject(pro.with({ url: `/v1/jobs/${id}` }));
      assert.equal((await stats()).addresses_tested.bulk, labels.length);
    });

    test('a demand counts per status, network and month, and still counts once withdrawn; no person in the answer', async () => {
      const before = await stats();
      const res = await app.inject({
        method: 'POST',
        url: '/v1/demands',
        payload: { ...requester, batid: eligible.batid },
      });
      assert.equal(res.statusCode, 201, res.body);
      const created = res.json();
      assert.equal(created.assigned_to, 'network');
      const s = await stats();
      assert.equal(s.demands.total, before.demands.total + 1);
      assert.equal(s.demands.eligible, before.demands.eligible + 1);
      assert.equal(s.demands.eligible_share, 1);
      assert.equal(s.demands.assigned_to_network, 1);
      assert.equal(s.demands.per_status.find((r) => r.status === 'a_traiter')!.n, 1);
      assert.deepEqual(
        s.demands.per_network.map((r) => [r.sncu_id, r.n]),
        [[eligible.sncu, 1]],
      );
      assert.equal(s.demands.per_requester_type.find((r) => r.code === 'bailleur_social')!.n, 1);
      assert.equal(monthRow(s)!.demands, 1);

      const body = JSON.stringify(s);
      for (const secret of [
        requester.name,
        requester.email,
        requester.phone,
        'Zéphyrin',
        'exemple.test',
        requester.message,
        eligible.batid,
        created.id,
        created.follow_url.split('/').pop(),
      ])
        assert.ok(!body.includes(secret), `the statistics never show ${secret}`);

      // withdrawn: erased, but the count stays (demands.erased_count)
      const del = await app.inject({ method: 'DELETE', url: new URL(created.follow_api_url).pathname });
      assert.equal(del.statusCode, 204);
      const after = await stats();
      assert.equal(after.demands.total, 1);
      assert.equal(after.demands.per_network[0]!.n, 1);
      assert.ok(!JSON.stringify(after).includes(requester.email));
    });
  });
}

describe('TestCounter', () => {
  test('counts in memory, writes one UPSERT per day, and keeps the counts when a write fails', async () => {
    const calls: unknown[][] = [];
    let fail = true;
    const db = {
      query: async <T>(_sql: string, params?: readonly unknown[]): Promise<T[]> => {
        if (fail) throw new Error('database down');
        calls.push([...(params ?? [])]);
        return [];
      },
      exec: async () => undefined,
    };
    const c = new TestCounter(db, () => undefined, 60_000);
    c.add(true, new Date('2026-03-01T10:00:00Z'));
    c.add(false, new Date('2026-03-01T11:00:00Z'));
    c.add(true, new Date('2026-03-02T00:30:00Z'));
    await assert.rejects(c.flush(), /database down/);
    assert.equal(calls.length, 0);
    fail = false;
    c.add(false, new Date('2026-03-02T01:00:00Z'));
    await c.close();
    assert.deepEqual(calls, [
      ['2026-03-01', 'single', 2, 1],
      ['2026-03-02', 'single', 2, 1],
    ]);
    await c.flush();
    assert.equal(calls.length, 2, 'nothing left to write');
  });
});
