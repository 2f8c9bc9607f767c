import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type NodemailerModule from 'nodemailer';
import type { Mailer, MailMessage } from '../core/index.js';

export interface MailTransportOptions {
  /** `smtp://…` / `smtps://…`; absent means the outbox directory. */
  readonly smtpUrl: string | undefined;
  readonly from: string;
  readonly outboxDir: string;
  /** Told where each outbox message went (and its link), so the embedded default needs no mail server. */
  readonly log: (fields: Record<string, string>, message: string) => void;
}

/** nodemailer loads with the first message, not at start (~15 MB most servers seldom need). */
let nodemailer: typeof NodemailerModule | undefined;
const mailer = (): typeof NodemailerModule => {
  nodemailer ??= createRequire(import.meta.url)('nodemailer') as typeof NodemailerModule;
  return nodemailer;
};

/** nodemailer over SMTP, or `.eml` files in `<data>/outbox` when no SMTP server is configured. */
export function createMailTransport(options: MailTransportOptions): Mailer {
  if (options.smtpUrl) {
    const smtpUrl = options.smtpUrl;
    let transport: ReturnType<typeof NodemailerModule.createTransport> | undefined;
    return {
      async send(message: MailMessage) {
        transport ??= mailer().createTransport(smtpUrl);
        await transport.sendMail({ from: options.from, ...pick(message) });
      },
    };
  }
  let transport: ReturnType<typeof NodemailerModule.createTransport> | undefined;
  return {
    async send(message: MailMessage) {
      transport ??= mailer().createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
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
