/** An e-mail as the use cases write it: both a plain-text and an HTML part. */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The message's main link, if any: logged by the outbox transport so no mail server is needed. */
  readonly link?: string;
}

/**
 * Where mail goes. The CLI passes an SMTP or outbox transport (src/cli/mail-transport.ts); tests
 * pass a real SMTP server on loopback. Failing to send is logged by the caller, never fatal to
 * the action that triggered it (a security notice must not block removing a lost device).
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** For code paths where no mail is configured (some tests): drops everything. */
export const discardMailer: Mailer = { send: async () => {} };
