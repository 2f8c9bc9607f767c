import type { MailMessage } from './mailer.js';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function message(
  to: string,
  subject: string,
  paragraphs: readonly string[],
  link?: { url: string; label: string },
) {
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.url}`] : [])].join('\n\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    link ? `<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>` : '',
    '</body></html>',
  ].join('\n');
  return { to, subject, text: `${text}\n`, html, ...(link ? { link: link.url } : {}) } satisfies MailMessage;
}

const NOT_YOU = 'If this was not you, contact your administrator at once.';

/** The texts of every e-mail Twofold sends. Never a secret, a code or a password in them. */
export const mailMessages = {
  passwordSetup: (to: string, issuer: string, username: string, url: string, hours: number) =>
    message(
      to,
      `${issuer}: set up your account`,
      [
        `An account "${username}" was created for you on ${issuer}.`,
        `Open the link below to set up how you sign in and choose a password. It works once and expires in ${hours} hours.`,
      ],
      { url, label: 'Set up your account' },
    ),
  authenticatorAdded: (to: string, issuer: string, name: string) =>
    message(to, `${issuer}: a sign-in device was added`, [
      `The device "${name}" was added to your ${issuer} account.`,
      NOT_YOU,
    ]),
  authenticatorRemoved: (to: string, issuer: string, name: string) =>
    message(to, `${issuer}: a sign-in device was removed`, [
      `The device "${name}" was removed from your ${issuer} account. Its codes no longer work.`,
      NOT_YOU,
    ]),
  backupCodeUsed: (to: string, issuer: string, remaining: number) =>
    message(to, `${issuer}: a backup code was used`, [
      `A backup code was used to sign in to your ${issuer} account. ${remaining} remain.`,
      NOT_YOU,
    ]),
  backupCodesGenerated: (to: string, issuer: string) =>
    message(to, `${issuer}: new backup codes`, [
      `New backup codes were generated for your ${issuer} account; the old ones no longer work.`,
      NOT_YOU,
    ]),
  factorsReset: (to: string, issuer: string) =>
    message(to, `${issuer}: your sign-in devices were reset`, [
      `An administrator removed every sign-in device and backup code from your ${issuer} account.`,
      'If two-factor authentication is required, you will set up a device at your next login.',
      NOT_YOU,
    ]),
  accountLocked: (to: string, issuer: string) =>
    message(to, `${issuer}: two-factor sign-in locked`, [
      `After many wrong one-time codes, two-factor sign-in to your ${issuer} account is locked.`,
      'Sign in with a backup code, or ask your administrator to unlock it.',
      NOT_YOU,
    ]),
};
