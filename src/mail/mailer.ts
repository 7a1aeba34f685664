/**
 * Outgoing e-mail (issue 11: demand confirmations and reminders) through an SMTP server given by
 * `BATID_SMTP_URL` (`smtp://user:pass@host:port`, or `smtps://…` for TLS from the start) and
 * `BATID_MAIL_FROM`. Without `BATID_SMTP_URL` there is no mailer: nothing is sent, callers only
 * list what they would have sent.
 */
import nodemailer from 'nodemailer';

export interface MailMessage {
  to: string | string[];
  subject: string;
  text: string;
}

export interface Mailer {
  /** The sender, for messages. */
  readonly from: string;
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export class MailConfigError extends Error {}

const DEFAULT_FROM = 'BatID <ne-pas-repondre@batid.localhost>';

/** A mailer on an SMTP URL; the connection opens at the first message. */
export function smtpMailer(url: string, from = DEFAULT_FROM): Mailer {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MailConfigError('BATID_SMTP_URL: expected smtp://user:pass@host:port, got an unreadable URL');
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:')
    throw new MailConfigError(`BATID_SMTP_URL: expected an smtp:// or smtps:// URL, got "${u.protocol}"`);
  // a slow or silent server must not hold a request (confirmation) or the scheduler for minutes
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    from,
    async send(m) {
      await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text });
    },
    close: () => transport.close(),
  };
}

/** The mailer `BATID_SMTP_URL` / `BATID_MAIL_FROM` describe, or null when no SMTP server is set. */
export function mailerFromEnv(env: NodeJS.ProcessEnv = process.env): Mailer | null {
  const url = env.BATID_SMTP_URL?.trim();
  if (!url) return null;
  return smtpMailer(url, env.BATID_MAIL_FROM?.trim() || DEFAULT_FROM);
}

/** Where the SMTP server is, without its password (for logs). */
export function describeSmtp(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.BATID_SMTP_URL?.trim();
  if (!url) return 'no SMTP server (BATID_SMTP_URL not set)';
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'an unreadable BATID_SMTP_URL';
  }
}
