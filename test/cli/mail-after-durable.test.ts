import { describe, expect, it } from 'vitest';
import { afterDurable } from '../../src/cli/context.js';
import type { MailMessage } from '../../src/core/index.js';

const message: MailMessage = {
  to: 'a@example.test',
  subject: 'Set your password',
  text: 'link',
  html: 'link',
};

describe('mail from the server waits for the database barrier', () => {
  it('hands a message to the transport only once the writes before it are on disk', async () => {
    const sent: MailMessage[] = [];
    let release!: () => void;
    const barrier = new Promise<void>((resolve) => {
      release = resolve;
    });
    const mailer = afterDurable({ durable: () => barrier }, { send: async (m) => void sent.push(m) });
    const sending = mailer.send(message);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toEqual([]);
    release();
    await sending;
    expect(sent).toEqual([message]);
  });

  it('does not send when the fsync fails', async () => {
    const sent: MailMessage[] = [];
    const mailer = afterDurable(
      { durable: () => Promise.reject(new Error('EIO')) },
      { send: async (m) => void sent.push(m) },
    );
    await expect(mailer.send(message)).rejects.toThrow('EIO');
    expect(sent).toEqual([]);
  });
});
