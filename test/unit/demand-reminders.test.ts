import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addMonthsUtc, reminderPlan, type ReminderState } from '../../src/demands/reminders.js';
import { normalisePhone, parseDemandInput, DemandInputError } from '../../src/demands/demand-input.js';
import { assignmentOf } from '../../src/demands/assignment.js';
import { reminderMail } from '../../src/demands/demand-mail.js';
import { value } from '../../web/src/format.js';

const at = (s: string) => new Date(s);
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

describe('demand reminders: one month without a status change, then 15 days later, then none', () => {
  test('calendar months, clamped to the end of the month', () => {
    const cases: [string, string][] = [
      ['2026-03-01T09:00:00.000Z', '2026-04-01T09:00:00.000Z'],
      ['2026-01-31T12:00:00.000Z', '2026-02-28T12:00:00.000Z'],
      ['2028-01-31T12:00:00.000Z', '2028-02-29T12:00:00.000Z'],
      ['2026-12-15T00:00:00.000Z', '2027-01-15T00:00:00.000Z'],
    ];
    for (const [from, to] of cases) assert.equal(addMonthsUtc(at(from), 1).toISOString(), to, from);
  });

  const changed = at('2026-03-01T09:00:00.000Z');
  const open = (
    sent: ReminderState['sent'] = [],
    status: ReminderState['status'] = 'a_traiter',
  ): ReminderState => ({
    status,
    statusChangedAt: changed,
    sent,
  });
  const sent1 = (when: string) => [{ rank: 1 as const, sentAt: at(when) }];

  // [case, state, now, expected due rank (or null), expected next due, stale]
  const table: [string, ReminderState, string, 1 | 2 | null, string | null, boolean][] = [
    ['a day old', open(), '2026-03-02T09:00:00.000Z', null, '2026-04-01T09:00:00.000Z', false],
    [
      'one minute short of a month',
      open(),
      '2026-04-01T08:59:00.000Z',
      null,
      '2026-04-01T09:00:00.000Z',
      false,
    ],
    ['exactly a month', open(), '2026-04-01T09:00:00.000Z', 1, '2026-04-01T09:00:00.000Z', true],
    ['31 days, none sent', open(), '2026-04-01T10:00:00.000Z', 1, '2026-04-01T09:00:00.000Z', true],
    [
      'first sent, 14 days later',
      open(sent1('2026-04-01T10:00:00.000Z')),
      '2026-04-15T10:00:00.000Z',
      null,
      '2026-04-16T10:00:00.000Z',
      true,
    ],
    [
      'first sent, 15 days later',
      open(sent1('2026-04-01T10:00:00.000Z')),
      '2026-04-16T10:00:00.000Z',
      2,
      '2026-04-16T10:00:00.000Z',
      true,
    ],
    // a late first reminder (server down) pushes the second: 15 days after it was sent
    [
      'first sent late',
      open(sent1('2026-05-01T00:00:00.000Z')),
      '2026-05-10T00:00:00.000Z',
      null,
      '2026-05-16T00:00:00.000Z',
      true,
    ],
    [
      'both sent: none until a change',
      open([
        { rank: 1, sentAt: at('2026-04-01T10:00:00.000Z') },
        { rank: 2, sentAt: at('2026-04-16T10:00:00.000Z') },
      ]),
      '2027-01-01T00:00:00.000Z',
      null,
      null,
      true,
    ],
    ['closed: Réalisé', open([], 'realise'), '2027-01-01T00:00:00.000Z', null, null, false],
    ['closed: Non réalisable', open([], 'non_realisable'), '2027-01-01T00:00:00.000Z', null, null, false],
    ['closed: Projet abandonné', open([], 'projet_abandonne'), '2027-01-01T00:00:00.000Z', null, null, false],
    [
      'open in another status',
      open([], 'vote_en_ag'),
      '2026-04-02T00:00:00.000Z',
      1,
      '2026-04-01T09:00:00.000Z',
      true,
    ],
  ];
  for (const [name, state, now, rank, next, stale] of table)
    test(name, () => {
      const p = reminderPlan(state, at(now));
      assert.equal(p.due?.rank ?? null, rank);
      assert.equal(iso(p.nextDueAt), next);
      assert.equal(p.stale, stale);
    });

  test('a status change starts a new period', () => {
    const p = reminderPlan(
      { status: 'recontacte_pour_etude', statusChangedAt: at('2026-04-20T00:00:00.000Z'), sent: [] },
      at('2026-05-10T00:00:00.000Z'),
    );
    assert.equal(p.due, null);
    assert.equal(iso(p.nextDueAt), '2026-05-20T00:00:00.000Z');
  });
});

describe('demand input checks', () => {
  const good = {
    requester_type: 'copropriete_syndic',
    name: '  Cabinet  Martin ',
    email: 'contact@syndic-martin.fr',
    phone: '+33 6.12.34.56.78',
    address: '12 rue de Paris, Moulins',
    consent: true,
  };
  test('a good request is normalised', () => {
    const d = parseDemandInput(good);
    assert.equal(d.name, 'Cabinet Martin');
    assert.equal(d.phone, '06 12 34 56 78');
    assert.equal(d.batid, null);
  });
  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ['no consent', { ...good, consent: false }, 'consent_required', /consent/],
    ['consent as text', { ...good, consent: 'true' }, 'consent_required', /consent/],
    ['consent missing', { ...good, consent: undefined }, 'consent_required', /consent/],
    ['bad email', { ...good, email: 'martin@' }, 'invalid_input', /^email/],
    ['email with a space', { ...good, email: 'a b@c.fr' }, 'invalid_input', /^email/],
    ['short phone', { ...good, phone: '06 12 34' }, 'invalid_input', /^phone/],
    ['foreign phone', { ...good, phone: '+44 20 7946 0958' }, 'invalid_input', /^phone/],
    ['unknown requester', { ...good, requester_type: 'locataire' }, 'invalid_input', /^requester_type/],
    ['no place', { ...good, address: '  ' }, 'place_required', /address or a batid/],
    ['no name', { ...good, name: '' }, 'invalid_input', /^name/],
    ['dwellings 0', { ...good, dwellings: 0 }, 'invalid_input', /^dwellings/],
    ['bad heating', { ...good, heating_mode: 'mixte' }, 'invalid_input', /^heating_mode/],
  ];
  for (const [name, body, code, msg] of bad)
    test(`refused: ${name}`, () => {
      assert.throws(
        () => parseDemandInput(body),
        (e: unknown) => e instanceof DemandInputError && e.code === code && msg.test(e.message),
      );
    });
  test('French phone numbers, loosely', () => {
    for (const [raw, out] of [
      ['0612345678', '06 12 34 56 78'],
      ['01 23 45 67 89', '01 23 45 67 89'],
      ['0033 4-70-12-34-56', '04 70 12 34 56'],
      ['(+33) 970 12 34 56', '09 70 12 34 56'],
    ])
      assert.equal(normalisePhone(raw!), out);
  });
});

describe('demand assignment', () => {
  const net = {
    id_fcu: 7,
    sncu_id: '0301c',
    name: 'Réseau de Moulins',
    operator: null,
    enrr_rate: null,
    co2_acv: null,
  };
  test('to the network the eligibility engine assigns, by its SNCU id', () => {
    assert.deepEqual(assignmentOf({ assigned_network_id: 7, network: net }), {
      assignedTo: 'network',
      network: { id_fcu: 7, sncu_id: '0301C', name: 'Réseau de Moulins' },
    });
  });
  test('to the territory when no network is assigned, or it has no SNCU id', () => {
    assert.deepEqual(assignmentOf({ assigned_network_id: null, network: net }), { assignedTo: 'territory' });
    assert.deepEqual(assignmentOf({ assigned_network_id: 7, network: { ...net, sncu_id: null } }), {
      assignedTo: 'territory',
    });
  });
});

describe('dates as French users read them', () => {
  test('a reminder gives the day of the last change in France, not in UTC', () => {
    const line = (statusChangedAt: string) =>
      reminderMail('op@example.fr', [
        { id: 'D1', address: '1 rue X 03000 Moulins', status: 'a_traiter', statusChangedAt, rank: 1 },
      ]).text;
    // 23:30 UTC on 4 December is 00:30 on 5 December in Paris (winter); 22:30 UTC in summer
    assert.match(line('2026-12-04T23:30:00Z'), / depuis le 05\/12\/2026 /);
    assert.match(line('2026-12-04T22:59:00Z'), / depuis le 04\/12\/2026 /);
    assert.match(line('2026-07-14T22:30:00Z'), / depuis le 15\/07\/2026 /);
  });
  test('the web app shows a calendar date as that day in any time zone', () => {
    const tz = process.env.TZ;
    try {
      for (const zone of ['America/Guadeloupe', 'Europe/Paris', 'Indian/Reunion', 'Pacific/Noumea']) {
        process.env.TZ = zone;
        assert.equal(value('2024-03-01'), '01/03/2024', zone);
        assert.equal(value('2023-12-31'), '31/12/2023', zone);
      }
      process.env.TZ = 'Europe/Paris';
      assert.equal(value('2026-12-04T23:30:00Z'), '05/12/2026');
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });
});
