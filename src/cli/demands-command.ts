import { retentionDaysFromEnv, purgeExpiredDemands } from '../demands/erase.js';
import { runReminders } from '../demands/reminder-job.js';
import { describeSmtp, mailerFromEnv } from '../mail/mailer.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import { DB_OPTIONS, parse } from './main.js';

const DEMANDS_USAGE = `usage: batid demands remind [--now ISO8601]
       batid demands purge [--now ISO8601] [--retention-days N]
  remind: sends the reminders due (demands without a status change for a month, then 15 days
          later) to the contact e-mail of their operators/advisors, through BATID_SMTP_URL;
          without it, lists them and sends nothing.
  purge:  erases the demands closed more than BATID_DEMANDS_RETENTION_DAYS days ago (365 by
          default) and those left idle for 3 years; anonymous counts are kept.
`;

function nowOf(v: string | undefined): Date {
  if (v === undefined) return new Date();
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`--now: expected an ISO 8601 instant, got "${v}"`);
  return new Date(t);
}

/** `batid demands remind|purge`: the demands' scheduled work, run once (what `batid serve` runs hourly). */
export async function runDemands(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...DB_OPTIONS,
    now: { type: 'string' },
    'retention-days': { type: 'string' },
  });
  const [sub] = positionals;
  if (values.help || !sub || !['remind', 'purge'].includes(sub)) {
    process.stdout.write(DEMANDS_USAGE);
    return values.help ? 0 : 2;
  }
  let now: Date;
  let retentionDays: number;
  try {
    now = nowOf(values.now);
    retentionDays = retentionDaysFromEnv(
      values['retention-days'] ?? process.env.BATID_DEMANDS_RETENTION_DAYS,
    );
  } catch (err) {
    process.stderr.write(`batid demands ${sub}: ${(err as Error).message}\n`);
    return 2;
  }
  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  try {
    if (sub === 'purge') {
      const r = await purgeExpiredDemands(store, { now, retentionDays });
      process.stdout.write(
        `erased ${r.closed} demand(s) closed more than ${retentionDays} days ago and ${r.idle} left idle for 3 years\n`,
      );
      return 0;
    }
    const mailer = mailerFromEnv();
    try {
      if (!mailer) process.stderr.write(`${describeSmtp()}: reminders are listed, not sent\n`);
      const r = await runReminders(store, {
        now,
        mailer,
        onError: (msg, err) => process.stderr.write(`${msg}: ${(err as Error).message}\n`),
      });
      for (const x of r.reminders)
        process.stdout.write(
          `${x.id}\treminder ${x.rank}\tdue ${x.due_at}\t${x.recipients.join(',') || 'no contact e-mail'}\n`,
        );
      process.stdout.write(
        r.listed_only
          ? `${r.due} reminder(s) due, none sent (no SMTP server)\n`
          : `${r.due} reminder(s) due, ${r.sent} sent in ${r.emails} e-mail(s)\n`,
      );
      return 0;
    } finally {
      mailer?.close();
    }
  } finally {
    await store.close();
  }
}
