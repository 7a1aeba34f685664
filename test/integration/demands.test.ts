import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createKey, KeyInputError, verifyToken } from '../../src/auth/keys.js';
import { parseDemandInput } from '../../src/demands/demand-input.js';
import { startDemandJobs } from '../../src/demands/demand-jobs.js';
import { createDemand, hashToken } from '../../src/demands/demand-service.js';
import { demandCounts } from '../../src/demands/demand-stats.js';
import { purgeExpiredDemands } from '../../src/demands/erase.js';
import { runReminders } from '../../src/demands/reminder-job.js';
import { changeStatus } from '../../src/demands/workspace.js';
import { smtpMailer, type Mailer } from '../../src/mail/mailer.js';
import { eligibilityOfBuilding } from '../../src/networks/eligibility-service.js';
import type { Store } from '../../src/store/store.js';
import { backends } from '../helpers/backends.js';
import { constructedBuildings, importSyntheticNetworks } from '../helpers/networks-fixture.js';
import { smtpSink, type CapturedMail } from '../helpers/smtp-sink.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';

const requester = {
  requester_type: 'copropriete_conseil_syndical',
  name: 'Claire Dupont',
  email: 'claire.dupont@exemple.test',
  phone: '06 12 34 56 78',
  heating_mode: 'collectif',
  heating_energy: 'gaz',
  dwellings: 24,
  message: 'Notre chaudière gaz a 25 ans, le conseil syndical étudie un raccordement.',
  consent: true,
};

for (const make of backends()) {
  describe(`contact requests and the operator workspace [${make().name}]`, () => {
    let db: SyntheticDb;
    let store: Store;
    let app: FastifyInstance;
    let sink: Awaited<ReturnType<typeof smtpSink>>;
    let mailer: Mailer;
    const tok: Record<string, string> = {};
    const keyId: Record<string, string> = {};
    /** A building the engine assigns to a network (with an SNCU id), and one it leaves to the territory. */
    let near: { batid: string; sncu: string; idFcu: number };
    let far: { batid: string };
    let otherSncu: string;
    let nearDemand: { id: string; token: string };
    let farDemand: { id: string; token: string };
    const savedSmtp = process.env.BATID_SMTP_URL;

    const req = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, who?: string, body?: unknown) =>
      app.inject({
        method,
        url,
        headers: who ? { authorization: `Bearer ${tok[who]}` } : {},
        ...(body === undefined ? {} : { payload: body as object }),
      });
    const count = async (sql: string, params: unknown[] = []) =>
      (await store.query<{ n: number }>(sql, params))[0]!.n;
    const mailsTo = (addr: string) => sink.mails.filter((m: CapturedMail) => m.to.includes(addr));
    const waitForMail = async (n: number) => {
      for (let i = 0; i < 100 && sink.mails.length < n; i++) await new Promise((r) => setTimeout(r, 20));
    };

    before(async () => {
      sink = await smtpSink();
      mailer = smtpMailer(sink.url, 'BatID <test@batid.localhost>');
      // the app's mailer comes from the environment, as in `batid serve`
      process.env.BATID_SMTP_URL = sink.url;
      db = await syntheticDb(make, { scale: 0.01, app: { logLevel: 'silent', jobs: false } });
      if (savedSmtp === undefined) delete process.env.BATID_SMTP_URL;
      else process.env.BATID_SMTP_URL = savedSmtp;
      ({ store, app } = db);
      await importSyntheticNetworks(db);
      for (const { batid } of await constructedBuildings(store)) {
        const a = await eligibilityOfBuilding(store, batid);
        if (!near && a.assigned_network_id !== null && a.network?.sncu_id)
          near = { batid, sncu: a.network.sncu_id, idFcu: a.network.id_fcu };
        if (!far && a.assigned_network_id === null && a.type === 'trop_eloigne') far = { batid };
        if (near && far) break;
      }
      assert.ok(near && far, 'the synthetic département has a building near a network and one far from all');
      const sncus = await store.query<{ sncu_id: string }>(
        `SELECT DISTINCT sncu_id FROM fcu.network WHERE layer = 'reseau_de_chaleur' AND sncu_id <> $1 ORDER BY 1`,
        [near.sncu],
      );
      otherSncu = sncus[0]!.sncu_id;
      for (const [name, role, opts] of [
        ['opA', 'operator', { networks: [near.sncu], email: 'exploitation@reseau-a.test' }],
        ['opB', 'operator', { networks: [otherSncu], email: 'exploitation@reseau-b.test' }],
        ['adv03', 'advisor', { territories: ['03'], email: 'conseil@territoire03.test' }],
        ['adv63', 'advisor', { territories: ['63'] }],
        ['admin', 'admin', {}],
        ['pro', 'pro', {}],
      ] as const) {
        const { key, token } = await createKey(store, { role, label: name, ...opts });
        tok[name] = token;
        keyId[name] = key.id;
      }
    });
    after(async () => {
      mailer?.close();
      await db?.close();
      await sink?.close();
    });

    test('operator keys: bound to SNCU ids, refused without them', async () => {
      const k = await verifyToken(store, tok.opA!);
      assert.deepEqual(k?.networks, [near.sncu]);
      assert.equal(k?.contact_email, 'exploitation@reseau-a.test');
      await assert.rejects(createKey(store, { role: 'operator' }), KeyInputError);
      await assert.rejects(
        createKey(store, { role: 'advisor', territories: ['03'], networks: ['0301C'] }),
        KeyInputError,
      );
      await assert.rejects(
        createKey(store, { role: 'operator', networks: ['0301C'], email: 'pas-un-email' }),
        KeyInputError,
      );
    });

    test('a request without consent (or with a bad field) is refused and nothing is stored', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ ...requester, batid: near.batid, consent: false }, 'consent_required'],
        [{ ...requester, batid: near.batid, consent: 'true' }, 'consent_required'],
        [{ ...requester, batid: near.batid, consent: undefined }, 'consent_required'],
        [{ ...requester, batid: near.batid, email: 'claire.dupont@' }, 'invalid_input'],
        [{ ...requester, batid: near.batid, phone: '12 34' }, 'invalid_input'],
        [{ ...requester, batid: near.batid, requester_type: 'curieux' }, 'invalid_input'],
        [{ ...requester }, 'place_required'],
        [{ ...requester, batid: 'ZZZZZZZZZZZZ' }, 'building_not_found'],
      ];
      for (const [body, code] of cases) {
        const r = await req('POST', '/v1/demands', undefined, body);
        assert.equal(r.statusCode, 400, r.body);
        assert.equal(r.json().error.code, code, r.body);
      }
      assert.equal(await count('SELECT count(*)::int AS n FROM demands.demand'), 0);
      assert.equal(sink.mails.length, 0);
    });

    test('a request near a network goes to that network; the requester gets a confirmation and a follow link', async () => {
      const r = await req('POST', '/v1/demands', undefined, { ...requester, batid: near.batid });
      assert.equal(r.statusCode, 201, r.body);
      const b = r.json();
      assert.equal(b.assigned_to, 'network');
      assert.equal(b.network.sncu_id, near.sncu);
      assert.equal(b.network.id_fcu, near.idFcu);
      assert.equal(b.status, 'a_traiter');
      assert.equal(b.status_label, 'À traiter');
      assert.equal(b.confirmation_email, 'sent');
      const token = /\/suivi-demande\/([A-Za-z0-9_-]+)$/.exec(b.follow_url)?.[1];
      assert.ok(token, b.follow_url);
      assert.ok(b.follow_api_url.endsWith(`/v1/demands/follow/${token}`));
      nearDemand = { id: b.id, token };
      // only the token's hash is stored
      const [row] = await store.query<{ follow_token_hash: string; eligible: boolean; batid: string }>(
        'SELECT follow_token_hash, eligible, batid FROM demands.demand WHERE id = $1',
        [b.id],
      );
      assert.equal(row!.follow_token_hash, hashToken(token));
      assert.equal(
        await count(`SELECT count(*)::int AS n FROM demands.demand WHERE follow_token_hash = $1`, [token]),
        0,
      );
      assert.equal(row!.batid, near.batid);
      // the eligibility is the server's: the same as GET /v1/eligibility for the building
      const e = (await req('GET', `/v1/eligibility?batid=${near.batid}`)).json();
      assert.deepEqual(b.eligibility, { type: e.type, eligible: e.eligible, distance_m: e.distance_m });
      await waitForMail(1);
      const [mail] = mailsTo(requester.email);
      assert.ok(mail, 'confirmation captured by the SMTP sink');
      assert.match(mail.text, /Bonjour Claire Dupont/);
      assert.ok(mail.text.replace(/\s/g, '').includes(b.follow_url), 'the follow link is in the e-mail');
    });

    test('a request far from every network goes to the territory', async () => {
      const r = await req('POST', '/v1/demands', undefined, {
        ...requester,
        requester_type: 'proprietaire_maison',
        name: 'Paul Martin',
        email: 'paul.martin@exemple.test',
        batid: far.batid,
      });
      assert.equal(r.statusCode, 201, r.body);
      const b = r.json();
      assert.equal(b.assigned_to, 'territory');
      assert.equal(b.network, null);
      assert.equal(b.eligibility.eligible, false);
      farDemand = { id: b.id, token: /\/suivi-demande\/(.+)$/.exec(b.follow_url)![1]! };
      const [row] = await store.query<{ code_departement_insee: string }>(
        'SELECT code_departement_insee FROM demands.demand WHERE id = $1',
        [b.id],
      );
      assert.equal(row!.code_departement_insee, '03');
    });

    test('an address works as well as a BatID', async () => {
      const [a] = await store.query<{ label: string }>(
        `SELECT concat_ws(' ', numero, nom_voie, code_postal, libelle_commune) AS label FROM bdnb.adresse
          WHERE numero IS NOT NULL ORDER BY cle_interop_adr LIMIT 1`,
      );
      const r = await req('POST', '/v1/demands', undefined, {
        ...requester,
        email: 'adresse@exemple.test',
        address: a!.label,
      });
      assert.equal(r.statusCode, 201, r.body);
      const [row] = await store.query<{ address: string; cle_interop_adr: string | null }>(
        'SELECT address, cle_interop_adr FROM demands.demand WHERE id = $1',
        [r.json().id],
      );
      assert.equal(row!.address, a!.label);
      assert.ok(row!.cle_interop_adr, 'the BAN key of the address found');
      assert.equal(
        (await req('DELETE', r.json().follow_api_url.replace(/^https?:\/\/[^/]+/, ''))).statusCode,
        204,
      );
    });

    test('operator A sees its network’s request; operator B gets 404 for it (list and item)', async () => {
      const listA = await req('GET', '/v1/demands', 'opA');
      assert.equal(listA.statusCode, 200, listA.body);
      const idsA = (listA.json().results as { id: string }[]).map((d) => d.id);
      assert.deepEqual(idsA, [nearDemand.id]);
      const one = await req('GET', `/v1/demands/${nearDemand.id}`, 'opA');
      assert.equal(one.statusCode, 200);
      assert.equal(one.json().email, requester.email);
      assert.equal(one.json().phone, '06 12 34 56 78');
      assert.equal(one.json().events[0].kind, 'created');
      const listB = await req('GET', '/v1/demands', 'opB');
      assert.deepEqual(listB.json().results, []);
      for (const [method, url, body] of [
        ['GET', `/v1/demands/${nearDemand.id}`, undefined],
        ['PATCH', `/v1/demands/${nearDemand.id}`, { status: 'realise' }],
        ['POST', `/v1/demands/${nearDemand.id}/comments`, { text: 'intrus' }],
        ['GET', `/v1/demands/${farDemand.id}`, undefined],
      ] as const) {
        const r = await req(method, url, 'opB', body);
        assert.equal(r.statusCode, 404, `${method} ${url}: ${r.body}`);
        assert.equal(r.json().error.code, 'not_found');
      }
      // an unknown id answers the same 404: no existence leak
      const unknown = await req('GET', '/v1/demands/00000000-0000-0000-0000-000000000000', 'opB');
      assert.deepEqual(
        unknown.json().error.code,
        (await req('GET', `/v1/demands/${nearDemand.id}`, 'opB')).json().error.code,
      );
      // advisors: their territory's requests only; admin: all; pro keys: not this workspace
      const adv = (await req('GET', '/v1/demands', 'adv03')).json().results.map((d: { id: string }) => d.id);
      assert.deepEqual(adv, [farDemand.id]);
      assert.equal((await req('GET', `/v1/demands/${nearDemand.id}`, 'adv03')).statusCode, 404);
      assert.deepEqual((await req('GET', '/v1/demands', 'adv63')).json().results, []);
      const all = (await req('GET', '/v1/demands', 'admin')).json().results.map((d: { id: string }) => d.id);
      assert.deepEqual(new Set(all), new Set([nearDemand.id, farDemand.id]));
      assert.equal((await req('GET', '/v1/demands', 'pro')).statusCode, 403);
      assert.equal((await req('GET', '/v1/demands')).statusCode, 401);
    });

    test('filters and paging', async () => {
      const admin = async (qs: string) => (await req('GET', `/v1/demands?${qs}`, 'admin')).json();
      assert.equal((await admin('status=realise')).results.length, 0);
      assert.equal((await admin('status=a_traiter')).results.length, 2);
      assert.equal((await admin(`network=${near.sncu}`)).results.length, 1);
      assert.equal((await admin('since=2999-01-01')).results.length, 0);
      const p1 = await admin('limit=1');
      assert.equal(p1.results.length, 1);
      assert.ok(p1.next_cursor);
      const p2 = await admin(`limit=1&cursor=${p1.next_cursor}`);
      assert.equal(p2.results.length, 1);
      assert.notEqual(p2.results[0].id, p1.results[0].id);
      assert.equal(p2.next_cursor, null);
      const bad = await req('GET', '/v1/demands?status=inconnu', 'admin');
      assert.equal(bad.statusCode, 400);
    });

    test('status change and comments: the requester sees the status and public comments, not the internals', async () => {
      const p = await req('PATCH', `/v1/demands/${nearDemand.id}`, 'opA', {
        status: 'recontacte_pour_etude',
        comment: 'Nous vous appellerons la semaine prochaine pour une visite.',
        visible_to_requester: true,
      });
      assert.equal(p.statusCode, 200, p.body);
      assert.equal(p.json().status_label, 'Recontacté pour étude');
      const internal = await req('POST', `/v1/demands/${nearDemand.id}/comments`, 'opA', {
        text: 'Syndic difficile à joindre, relancer le président du CS.',
      });
      assert.equal(internal.statusCode, 201, internal.body);
      assert.equal(
        (await req('PATCH', `/v1/demands/${nearDemand.id}`, 'opA', { status: 'en_vrac' })).statusCode,
        400,
      );
      const f = await req('GET', `/v1/demands/follow/${nearDemand.token}`);
      assert.equal(f.statusCode, 200, f.body);
      const v = f.json();
      assert.equal(v.status, 'recontacte_pour_etude');
      assert.equal(v.status_label, 'Recontacté pour étude');
      assert.deepEqual(
        v.history.map((h: { kind: string; status_label: string | null }) => [h.kind, h.status_label]),
        [
          ['created', 'À traiter'],
          ['status', 'Recontacté pour étude'],
          ['comment', null],
        ],
      );
      assert.match(v.history[2].text, /visite/);
      const body = JSON.stringify(v);
      assert.ok(!body.includes('Syndic difficile'), 'internal comments stay internal');
      assert.ok(!body.includes(keyId.opA!) && !body.includes('opA'), 'no key of the operator');
      assert.ok(!body.includes(requester.email), 'no personal data echoed');
      // the operator sees everything, with authors
      const d = (await req('GET', `/v1/demands/${nearDemand.id}`, 'opA')).json();
      assert.deepEqual(
        d.events.map((e: { kind: string }) => e.kind),
        ['created', 'status', 'comment', 'comment'],
      );
      assert.equal(d.events[3].author.key_id, keyId.opA);
      assert.equal(d.events[3].visible_to_requester, false);
      assert.equal((await req('GET', '/v1/demands/follow/pas-un-jeton')).statusCode, 404);
    });

    test('every read and change by an operator or advisor is in the audit trail, with no personal data', async () => {
      const rows = await store.query<{ key_id: string; action: string; entity: string; entity_id: string }>(
        `SELECT key_id, action, entity, entity_id FROM access.audit WHERE entity IN ('demand', 'demand_comment') ORDER BY id`,
      );
      const of = (k: string, action: string, entity = 'demand') =>
        rows.filter((r) => r.key_id === keyId[k] && r.action === action && r.entity === entity);
      assert.ok(
        of('opA', 'read').filter((r) => r.entity_id === nearDemand.id).length >= 2,
        'list and item reads',
      );
      assert.ok(of('opA', 'update').some((r) => r.entity_id === nearDemand.id));
      assert.equal(of('opA', 'create', 'demand_comment').length, 2);
      assert.ok(of('adv03', 'read').some((r) => r.entity_id === farDemand.id));
      // refused reads show nothing, so they record nothing
      assert.equal(of('opB', 'read').length, 0);
      const leaks = await count(
        `SELECT count(*)::int AS n FROM access.audit WHERE coalesce(before::text, '') || coalesce(after::text, '') ~ $1`,
        ['claire|Dupont|06 12|relancer le président'],
      );
      assert.equal(leaks, 0);
    });

    test('CSV and XLSX exports of the operator’s requests', async () => {
      const csv = await req('GET', '/v1/demands/export.csv', 'opA');
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /text\/csv/);
      const lines = csv.body
        .replace(/^\ufeff/, '')
        .trim()
        .split('\r\n');
      assert.equal(lines.length, 2);
      assert.match(lines[0]!, /^Référence;Date de la demande;Statut;/);
      assert.ok(lines[1]!.startsWith(nearDemand.id));
      assert.match(lines[1]!, /Recontacté pour étude/);
      assert.equal((await req('GET', '/v1/demands/export.csv', 'opB')).body.trim().split('\r\n').length, 1);
      const x = await req('GET', '/v1/demands/export.xlsx', 'opA');
      assert.equal(x.statusCode, 200);
      assert.equal(x.rawPayload.subarray(0, 2).toString(), 'PK');
      const viaExport = await count(
        `SELECT count(*)::int AS n FROM access.audit WHERE key_id = $1 AND action = 'read' AND after->>'via' LIKE 'export%'`,
        [keyId.opA],
      );
      assert.equal(viaExport, 2);
    });

    test('reminders: one after a month, a second 15 days later, then none; e-mailed to the operator', async () => {
      const t0 = new Date('2026-03-01T09:00:00.000Z');
      const days = (n: number) => new Date(t0.getTime() + n * 86_400_000);
      const old = await createDemand(store, parseDemandInput({ ...requester, batid: near.batid }), {
        now: t0,
      });
      sink.mails.length = 0;
      const run = (n: number) => runReminders(store, { now: days(n), mailer });
      assert.equal((await run(20)).due, 0);
      const r31 = await run(31);
      assert.equal(r31.due, 1);
      assert.equal(r31.sent, 1);
      assert.equal(sink.mails.length, 1, 'exactly one e-mail');
      assert.deepEqual(sink.mails[0]!.to, ['exploitation@reseau-a.test']);
      assert.match(sink.mails[0]!.text, /n’a pas changé de statut depuis plus d’un mois/);
      assert.ok(sink.mails[0]!.text.includes(old.id));
      assert.ok(sink.mails[0]!.text.includes('1re relance'));
      assert.equal((await run(31)).due, 0, 'a second run sends nothing');
      assert.equal((await run(40)).due, 0);
      assert.equal(sink.mails.length, 1);
      const r46 = await run(46);
      assert.equal(r46.sent, 1);
      assert.equal(sink.mails.length, 2);
      assert.ok(sink.mails[1]!.text.includes('2e relance'));
      assert.equal((await run(120)).due, 0, 'none after the second until the status changes');
      assert.equal(sink.mails.length, 2);
      assert.equal(
        await count('SELECT count(*)::int AS n FROM demands.reminder WHERE demand_id = $1', [old.id]),
        2,
      );
      // the workspace lists it (stale), with both reminders sent and none due
      const list = (await req('GET', '/v1/demands/reminders', 'opA')).json().results as {
        id: string;
        due: unknown;
        sent: unknown[];
      }[];
      const row = list.find((x) => x.id === old.id);
      assert.ok(row);
      assert.equal(row.due, null);
      assert.equal(row.sent.length, 2);
      assert.deepEqual((await req('GET', '/v1/demands/reminders', 'opB')).json().results, []);
      // a status change starts a new period: a month later, a first reminder again
      await changeStatus(
        store,
        { id: keyId.opA!, label: 'opA', role: 'operator', territories: [], networks: [near.sncu] },
        old.id,
        { status: 'proposition_envoyee' },
        { now: days(130) },
      );
      assert.equal((await run(150)).due, 0);
      const again = await run(162);
      assert.equal(again.sent, 1);
      assert.ok(sink.mails[2]!.text.includes('1re relance'));
      // without an SMTP server, due reminders are listed and nothing is recorded
      const t1 = await createDemand(store, parseDemandInput({ ...requester, batid: far.batid }), { now: t0 });
      const listed = await runReminders(store, { now: days(32), mailer: null });
      assert.equal(listed.listed_only, true);
      assert.ok(
        listed.reminders.some((x) => x.id === t1.id && x.recipients[0] === 'conseil@territoire03.test'),
      );
      assert.equal(
        await count('SELECT count(*)::int AS n FROM demands.reminder WHERE demand_id = $1', [t1.id]),
        0,
      );
      assert.equal(sink.mails.length, 3);
    });

    test('the scheduler of `batid serve` sends due reminders and purges on start', async () => {
      const t0 = new Date('2024-05-01T09:00:00.000Z');
      const d = await createDemand(store, parseDemandInput({ ...requester, batid: near.batid }), { now: t0 });
      const before = sink.mails.length;
      const log: string[] = [];
      const stop = startDemandJobs(store, {
        mailer,
        retentionDays: 365,
        now: () => new Date('2024-06-02T09:00:00.000Z'),
        log: (l) => log.push(l),
      });
      await stop();
      assert.equal(sink.mails.length, before + 1, log.join('\n'));
      assert.ok(sink.mails.at(-1)!.text.includes(d.id));
      assert.match(log.join('\n'), /1 reminder\(s\) due, 1 sent in 1 e-mail/);
      const quiet: string[] = [];
      await startDemandJobs(store, { mailer: null, retentionDays: 365, log: (l) => quiet.push(l) })();
      assert.match(quiet[0]!, /not e-mailed, only listed/);
    });

    test('the requester withdraws: the request is erased, only anonymous counts stay', async () => {
      const before = await demandCounts(store);
      const total = (rows: { n: number }[]) => rows.reduce((a, r) => a + r.n, 0);
      const d = await req('DELETE', `/v1/demands/follow/${farDemand.token}`);
      assert.equal(d.statusCode, 204);
      assert.equal((await req('GET', `/v1/demands/follow/${farDemand.token}`)).statusCode, 404);
      assert.equal((await req('DELETE', `/v1/demands/follow/${farDemand.token}`)).statusCode, 404);
      assert.equal((await req('GET', `/v1/demands/${farDemand.id}`, 'admin')).statusCode, 404);
      assert.equal(
        await count('SELECT count(*)::int AS n FROM demands.demand WHERE id = $1', [farDemand.id]),
        0,
      );
      assert.equal(
        await count('SELECT count(*)::int AS n FROM demands.event WHERE demand_id = $1', [farDemand.id]),
        0,
      );
      assert.equal(
        await count(`SELECT count(*)::int AS n FROM demands.demand WHERE email = 'paul.martin@exemple.test'`),
        0,
      );
      const after = await demandCounts(store);
      assert.equal(total(after), total(before), 'the statistics keep counting it');
      assert.ok(
        await count(
          `SELECT coalesce(sum(n), 0)::int AS n FROM demands.erased_count WHERE reason = 'withdrawn'`,
        ),
      );
      const erased = await store.query<Record<string, unknown>>('SELECT * FROM demands.erased_count');
      assert.ok(!JSON.stringify(erased).includes('Paul'), 'no person in the counts');
    });

    test('retention: closed requests are erased after the period, with a fixed clock', async () => {
      const t0 = new Date('2025-01-10T08:00:00.000Z');
      const d = await createDemand(store, parseDemandInput({ ...requester, batid: near.batid }), { now: t0 });
      const admin = {
        id: keyId.admin!,
        label: 'admin',
        role: 'admin' as const,
        territories: [],
        networks: [],
      };
      await changeStatus(
        store,
        admin,
        d.id,
        { status: 'realise' },
        { now: new Date('2025-02-01T08:00:00.000Z') },
      );
      const [row] = await store.query<{ closed_at: string }>(
        `SELECT to_char(closed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS closed_at FROM demands.demand WHERE id = $1`,
        [d.id],
      );
      assert.equal(row!.closed_at, '2025-02-01');
      const idle = await createDemand(store, parseDemandInput({ ...requester, batid: far.batid }), {
        now: new Date('2022-06-01T00:00:00.000Z'),
      });
      const exists = async (id: string) =>
        (await count('SELECT count(*)::int AS n FROM demands.demand WHERE id = $1', [id])) === 1;
      // 364 days after closing: kept
      let r = await purgeExpiredDemands(store, {
        now: new Date('2026-01-31T08:00:00.000Z'),
        retentionDays: 365,
      });
      assert.equal(r.closed, 0);
      assert.ok(await exists(d.id));
      // left idle for 3 years: erased even though open
      assert.equal(r.idle, 1);
      assert.ok(!(await exists(idle.id)));
      // 366 days after closing: erased
      r = await purgeExpiredDemands(store, { now: new Date('2026-02-02T08:00:00.000Z'), retentionDays: 365 });
      assert.equal(r.closed, 1);
      assert.ok(!(await exists(d.id)));
      assert.ok(await exists(nearDemand.id), 'open and recent requests are kept');
      const [c] = await store.query<{ n: number }>(
        `SELECT sum(n)::int AS n FROM demands.erased_count WHERE reason = 'retention' AND status = 'realise'`,
      );
      assert.equal(c!.n, 1);
      // a shorter period from the environment's setting
      const soon = await createDemand(store, parseDemandInput({ ...requester, batid: near.batid }), {
        now: t0,
      });
      await changeStatus(store, admin, soon.id, { status: 'projet_abandonne' }, { now: t0 });
      r = await purgeExpiredDemands(store, { now: new Date('2025-01-20T08:00:00.000Z'), retentionDays: 7 });
      assert.equal(r.closed, 1);
    });

    test('the partner API is in the OpenAPI document', async () => {
      const doc = (await req('GET', '/openapi.json')).json();
      for (const [path, method] of [
        ['/v1/demands', 'post'],
        ['/v1/demands', 'get'],
        ['/v1/demands/{id}', 'get'],
        ['/v1/demands/{id}', 'patch'],
        ['/v1/demands/{id}/comments', 'post'],
        ['/v1/demands/export.csv', 'get'],
        ['/v1/demands/reminders', 'get'],
      ] as const) {
        const op = doc.paths[path]?.[method];
        assert.ok(op, `${method.toUpperCase()} ${path} documented`);
        if (path !== '/v1/demands' || method !== 'post') assert.deepEqual(op.security, [{ bearerAuth: [] }]);
      }
      assert.ok(
        doc.paths['/v1/demands'].post.requestBody.content['application/json'].schema.properties.consent,
      );
    });
  });
}
