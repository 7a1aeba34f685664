// End-to-end: the contact request path of issue 11 in a real browser (Debian chromium,
// playwright-core) on the embedded backend — eligibility → « Être mis en relation » → operator A
// sees it in /demandes (operator B of another network does not) → status « Recontacté pour
// étude » with a comment visible to the requester → the follow page shows it → a reminder e-mail
// 31 days later, captured by a local SMTP sink → /stats counted it. axe-core on every page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { createKey } from '../../src/auth/keys.js';
import { runReminders } from '../../src/demands/reminder-job.js';
import type { PublicStats } from '../../src/http/stats-routes.js';
import { smtpMailer, type Mailer } from '../../src/mail/mailer.js';
import { eligibilityOfAddress } from '../../src/networks/eligibility-service.js';
import { importNetworks } from '../../src/networks/import-networks.js';
import { backends } from '../helpers/backends.js';
import { smtpSink } from '../helpers/smtp-sink.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';
import { checkA11y, CHROMIUM, launchChromium, OUT, ROOT } from './browser.js';

const NAME = 'Claire Dupont';
const EMAIL = 'claire.dupont@exemple.test';
const COMMENT = 'Nous vous appelons la semaine prochaine pour une étude de faisabilité.';

describe('contact requests: eligibility → request → operator → requester → reminder', () => {
  let db: SyntheticDb;
  let browser: Browser;
  let base: string;
  let sink: Awaited<ReturnType<typeof smtpSink>>;
  let mailer: Mailer;
  let address: string;
  let sncu: string;
  const tok: Record<'opA' | 'opB', string> = { opA: '', opB: '' };
  let followPath: string;
  let demandId: string;
  let stats0: PublicStats;
  const savedSmtp = process.env.BATID_SMTP_URL;
  const errors: string[] = [];

  const newPage = async (): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    return page;
  };
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(OUT, `demandes-${name}.png`), fullPage: true });
  const stats = async () => (await db.app.inject({ url: '/v1/stats' })).json<PublicStats>();
  const withKey = async (page: Page, token: string) => {
    await page.goto(`${base}/demandes`);
    await page.getByLabel('Clé d’API gestionnaire de réseau').fill(token);
    await page.getByRole('button', { name: 'Enregistrer la clé' }).click();
  };

  before(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `the e2e suite needs Chromium at ${CHROMIUM} (apt-get install chromium, or BATID_CHROMIUM)`,
      );
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-web.js')], { encoding: 'utf8' });
    assert.equal(built.status, 0, `build-web failed: ${built.stderr}`);
    await mkdir(OUT, { recursive: true });
    sink = await smtpSink();
    mailer = smtpMailer(sink.url, 'BatID <test@batid.localhost>');
    // the app's mailer comes from the environment, as in `batid serve`
    process.env.BATID_SMTP_URL = sink.url;
    const embedded = backends().find((m) => m().name === 'embedded')!;
    db = await syntheticDb(embedded, { scale: 0.01, app: { logLevel: 'silent', jobs: false } });
    if (savedSmtp === undefined) delete process.env.BATID_SMTP_URL;
    else process.env.BATID_SMTP_URL = savedSmtp;
    const layers = (await readdir(db.export))
      .filter((f) => f.endsWith('.geojson'))
      .map((f) => join(db.export, f));
    await importNetworks(db.store, layers);
    // an address the search box proposes, eligible, whose network has an SNCU id
    const labels = await db.store.query<{ label: string }>(
      `SELECT DISTINCT libelle_adresse AS label FROM bdnb.adresse WHERE libelle_adresse IS NOT NULL ORDER BY 1 LIMIT 400`,
    );
    for (const { label } of labels) {
      const a = await eligibilityOfAddress(db.store, label).catch(() => null);
      if (!a?.eligible || a.assigned_network_id === null || !a.network?.sncu_id) continue;
      const hits = (
        await db.app.inject({ url: `/v1/addresses/search?q=${encodeURIComponent(label)}&limit=5` })
      ).json().results as { label: string }[];
      if (hits[0]?.label !== label) continue;
      address = label;
      sncu = a.network.sncu_id.toUpperCase();
      break;
    }
    assert.ok(address!, 'an eligible, searchable address on a network with an SNCU id');
    const [other] = await db.store.query<{ sncu_id: string }>(
      `SELECT DISTINCT upper(sncu_id) AS sncu_id FROM fcu.network
        WHERE layer = 'reseau_de_chaleur' AND sncu_id IS NOT NULL AND upper(sncu_id) <> $1 ORDER BY 1 LIMIT 1`,
      [sncu],
    );
    assert.ok(other, 'another network for operator B');
    tok.opA = (
      await createKey(db.store, {
        role: 'operator',
        label: 'Réseau A',
        networks: [sncu],
        email: 'exploitation@reseau-a.test',
      })
    ).token;
    tok.opB = (
      await createKey(db.store, {
        role: 'operator',
        label: 'Réseau B',
        networks: [other.sncu_id],
        email: 'exploitation@reseau-b.test',
      })
    ).token;
    stats0 = await stats();
    await db.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(db.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    mailer?.close();
    await db?.close();
    await sink?.close();
  });

  test('the requester: eligible address, the form (consent required), the confirmation with its follow link', async () => {
    const page = await newPage();
    await page.goto(`${base}/eligibilite`);
    await page
      .getByRole('combobox', { name: 'Adresse du bâtiment' })
      .pressSequentially(address.slice(0, 25), { delay: 10 });
    await page.getByRole('option', { name: address }).first().click();
    await page.getByTestId('eligibility').waitFor();
    assert.match((await page.getByTestId('eligibility').getAttribute('class')) ?? '', /\beligible\b/);
    const form = page.getByTestId('demand-form');
    await form.getByRole('heading', { name: 'Être mis en relation' }).waitFor();
    const consent = form.getByRole('checkbox');
    assert.equal(await consent.isChecked(), false, 'consent is unchecked by default');
    assert.equal(await consent.getAttribute('required'), '');
    // the retention period from GET /v1/demands/reference is in the consent's text
    const ref = (await db.app.inject({ url: '/v1/demands/reference' })).json() as {
      retention_days_after_closing: number;
    };
    await form
      .locator('label', {
        hasText: `${ref.retention_days_after_closing.toLocaleString('fr-FR')} jours après sa clôture`,
      })
      .waitFor();
    await form.getByLabel('Vous êtes *').selectOption('copropriete_conseil_syndical');
    await form.getByLabel('Nom et prénom *').fill(NAME);
    await form.getByLabel('Adresse e-mail *').fill(EMAIL);
    await form.getByLabel('Téléphone (facultatif)').fill('06 12 34');
    await form.getByLabel('Mode de chauffage').selectOption('collectif');
    await form.getByLabel('Énergie').selectOption('gaz');
    await form.getByLabel('Nombre de logements (facultatif)').fill('24');
    await form.getByLabel('Message (facultatif)').fill('Notre chaudière gaz a 25 ans.');
    await checkA11y(page, '/eligibilite with the request form');
    await shot(page, 'formulaire');
    // no consent: refused in the page, focus on the box
    await form.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await form.getByRole('alert').filter({ hasText: 'Cochez la case d’accord' }).waitFor();
    assert.equal(await page.evaluate(`document.activeElement?.type`), 'checkbox');
    // a bad phone: the API's error, in French
    await consent.check();
    await form.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await form.getByRole('alert').filter({ hasText: 'Le numéro de téléphone n’est pas valide' }).waitFor();
    await form.getByLabel('Téléphone (facultatif)').fill('06 12 34 56 78');
    await form.getByRole('button', { name: 'Envoyer ma demande' }).click();
    const done = page.getByTestId('demand-confirmation');
    await done.waitFor();
    assert.match((await done.textContent()) ?? '', /transmise au gestionnaire du réseau/);
    assert.match((await done.textContent()) ?? '', /Statut : À traiter/);
    followPath = (await done.getByTestId('follow-link').getAttribute('href'))!;
    assert.match(followPath, /^\/suivi-demande\/[A-Za-z0-9_-]{20,}$/);
    await checkA11y(page, '/eligibilite after the request');
    await shot(page, 'confirmation');
    // the confirmation e-mail carries the same link
    for (let i = 0; i < 100 && !sink.mails.some((m) => m.to.includes(EMAIL)); i++)
      await new Promise((r) => setTimeout(r, 20));
    const mail = sink.mails.find((m) => m.to.includes(EMAIL));
    assert.ok(mail, 'the requester got a confirmation e-mail');
    assert.ok(mail.text.replace(/\s+/g, '').includes(followPath), 'the e-mail has the follow link');
    await page.close();
  });

  test('operator A sees the request, operator B does not; A changes the status with a visible comment', async () => {
    const b = await newPage();
    await withKey(b, tok.opB);
    await b.getByTestId('demands-empty').waitFor();
    assert.equal(await b.getByText(address).count(), 0);
    await checkA11y(b, '/demandes (operator B)');
    await shot(b, 'operateur-b');
    await b.close();

    const page = await newPage();
    await withKey(page, tok.opA);
    const row = page.getByTestId('demands-list').locator('tr', { hasText: address });
    await row.waitFor();
    assert.equal(await row.getByTestId('row-status').textContent(), 'À traiter');
    assert.match((await row.textContent()) ?? '', new RegExp(NAME));
    await checkA11y(page, '/demandes (operator A)');
    await row.getByRole('link', { name: address }).click();
    const detail = page.getByTestId('demand-detail');
    await detail.waitFor();
    demandId = (await detail.getAttribute('data-demand'))!;
    assert.match((await detail.textContent()) ?? '', /claire\.dupont@exemple\.test/);
    assert.equal(await detail.getByTestId('detail-status').textContent(), 'À traiter');
    // filter: « Réalisé » hides it
    await page.getByLabel('Statut', { exact: true }).selectOption('realise');
    await page.getByTestId('demands-empty').waitFor();
    await page.getByLabel('Statut', { exact: true }).selectOption('');
    await row.waitFor();
    // status change with a comment visible to the requester
    const form = detail.getByTestId('status-form');
    await form.getByLabel('Nouveau statut').selectOption({ label: 'Recontacté pour étude' });
    await form.getByLabel('Commentaire (facultatif)').fill(COMMENT);
    await form.getByLabel('Commentaire visible par le demandeur').check();
    await form.getByRole('button', { name: 'Enregistrer le statut' }).click();
    await page.locator('[data-testid="detail-status"]', { hasText: /^Recontacté pour étude$/ }).waitFor();
    await page.getByTestId('detail-history').getByText(COMMENT).waitFor();
    await row.getByTestId('row-status').filter({ hasText: 'Recontacté pour étude' }).waitFor();
    // an internal comment
    const c = page.getByTestId('comment-form');
    await c.getByLabel('Commentaire', { exact: true }).fill('Note interne : devis chaufferie à demander.');
    await c.getByRole('button', { name: 'Ajouter le commentaire' }).click();
    await page
      .getByTestId('detail-history')
      .getByText('Note interne : devis chaufferie à demander.')
      .waitFor();
    // the export buttons download with the key
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Exporter en CSV' }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), 'demandes.csv');
    await checkA11y(page, '/demandes with a demand open');
    await shot(page, 'operateur-a');
    await page.close();
  });

  test('the requester’s follow page shows the new status and the visible comment only', async () => {
    const page = await newPage();
    await page.goto(`${base}${followPath}`);
    await page.getByTestId('follow').waitFor();
    assert.equal(await page.getByTestId('follow-status').textContent(), 'Recontacté pour étude');
    const history = (await page.getByTestId('follow-history').textContent()) ?? '';
    assert.ok(history.includes(COMMENT));
    assert.ok(!history.includes('Note interne'), 'internal comments are not shown to the requester');
    assert.match(history, /Demande envoyée/);
    await checkA11y(page, '/suivi-demande');
    await shot(page, 'suivi');
    await page.close();
  });

  test('31 days later, a reminder e-mail goes to operator A (captured by the SMTP sink), not to B', async () => {
    const before = sink.mails.length;
    const run = await runReminders(db.store, { now: new Date(Date.now() + 31 * 86_400_000), mailer });
    assert.equal(run.due, 1);
    assert.equal(run.sent, 1);
    const mails = sink.mails.slice(before);
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0]!.to, ['exploitation@reseau-a.test']);
    assert.ok(mails[0]!.text.includes(demandId));
    assert.match(mails[0]!.text, /Recontacté pour étude/);
  });

  test('/stats: the tests and the request are counted, no person shown; a withdrawal keeps the count', async () => {
    const page = await newPage();
    await page.goto(`${base}/stats`);
    await page.getByTestId('stats').waitFor();
    const n = async (id: string) =>
      Number(((await page.getByTestId(id).textContent()) ?? '').replace(/\s/g, ''));
    assert.equal(await n('stat-demands'), stats0.demands.total + 1);
    assert.ok((await n('stat-tested-single')) >= stats0.addresses_tested.single + 1);
    const s = await stats();
    assert.equal(s.demands.per_status.find((r) => r.status === 'recontacte_pour_etude')!.n, 1);
    assert.equal(s.demands.per_network.find((r) => r.sncu_id === sncu)!.n, 1);
    const text = (await page.locator('main').textContent()) ?? '';
    assert.ok(!text.includes(NAME) && !text.includes(EMAIL));
    assert.ok(text.includes('Recontacté pour étude'), 'the per-status chart names the statuses');
    await checkA11y(page, '/stats');
    await shot(page, 'stats');
    await page.close();

    // « Retirer ma demande »: confirmed, erased; the statistics still count it
    const follow = await newPage();
    follow.on('dialog', (d) => void d.accept());
    await follow.goto(`${base}${followPath}`);
    await follow.getByTestId('withdraw').click();
    await follow.getByTestId('withdrawn').waitFor();
    await checkA11y(follow, '/suivi-demande after withdrawal');
    await follow.goto(`${base}${followPath}`);
    await follow.getByRole('alert').filter({ hasText: 'n’existe pas ou a été retirée' }).waitFor();
    await follow.close();
    assert.equal((await stats()).demands.total, stats0.demands.total + 1);
    assert.deepEqual(errors, []);
  });
});
