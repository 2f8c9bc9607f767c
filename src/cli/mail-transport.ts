import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from '../core/index.js';

export interface MailTransportOptions {
  /** `smtp://…` / `smtps://…`; absent means the outbox directory. */
  readonly smtpUrl: string | undefined;
  readonly from: string;
  readonly outboxDir: string;
  /** Told where each outbox message went (and its link), so the embedded default needs no mail server. */
  readonly log: (fields: Record<string, string>, message: string) => void;
}

/** nodemailer over SMTP, or `.eml` files in `<data>/outbox` when no SMTP server is configured. */
export function createMailTransport(options: MailTransportOptions): Mailer {
  if (options.smtpUrl) {
    const transport = nodemailer.createTransport(options.smtpUrl);
    return {
      async send(message: MailMessage) {
        await transport.sendMail({ from: options.from, ...pick(message) });
      },
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message: MailMessage) {
      const info = await transport.sendMail({ from: options.from, ...pick(message) });
      await mkdir(options.outboxDir, { recursive: true, mode: 0o700 });
      const file = join(
        options.outboxDir,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`,
      );
      // The outbox can hold password-setup links: readable by the server's user only.
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
      options.log(
        { to: message.to, subject: message.subject, file, ...(message.link ? { link: message.link } : {}) },
        'mail written to the outbox (set TWOFOLD_SMTP_URL to send it)',
      );
    },
  };
}

const pick = (m: MailMessage) => ({ to: m.to, subject: m.subject, text: m.text, html: m.html });
