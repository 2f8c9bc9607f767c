import { TwofoldError } from './errors.js';

/** What a new user name may look like: what people can type everywhere, URLs and CLI included. */
const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
// Deliberately simple: one @, something on both sides, a dot in the domain. The mailbox itself
// is proven by the password-setup link, not by a regular expression.
const EMAIL = /^[^\s@<>()",;:]{1,64}@[^\s@<>()",;:]+\.[^\s@<>()",;:.]{2,}$/;
// Control characters (C0, DEL, C1): nothing a person means to type in a name or an address,
// and what is stored here is shown to others, in pages, mails and logs. NUL cannot even be
// stored by PostgreSQL (the HTTP layer refuses it in any field: nul-characters.ts).
const CONTROL_CHARACTER = /\p{Cc}/u;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 1024;

export function normalizeUsername(raw: string): string {
  const username = raw.trim().toLowerCase();
  if (!USERNAME.test(username)) {
    throw new TwofoldError(
      'invalid_input',
      `Invalid user name "${raw}": use 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.`,
      { field: 'username' },
    );
  }
  return username;
}

export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  refuseControlCharacters(email, 'email', 'The e-mail address');
  if (email.length > 254 || !EMAIL.test(email)) {
    throw new TwofoldError('invalid_input', `Invalid e-mail address "${raw}".`, { field: 'email' });
  }
  return email;
}

/** NIST SP 800-63B §5.1.1.2: a minimum length, no composition rules, no silent truncation. */
export function checkNewPassword(password: string, field = 'password'): void {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw new TwofoldError(
      'invalid_input',
      `The password is too short: use at least ${PASSWORD_MIN_LENGTH} characters.`,
      { field },
    );
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw new TwofoldError(
      'invalid_input',
      `The password is too long: use at most ${PASSWORD_MAX_LENGTH} characters.`,
      {
        field,
      },
    );
  }
}

/** Trims a display name and checks its length (authenticator and token names). */
export function normalizeName(raw: string | undefined, fallback: string, field = 'name'): string {
  const name = (raw ?? '').trim().replace(/\s+/g, ' ');
  if (name === '') return fallback;
  refuseControlCharacters(name, field, 'The name');
  if (name.length > 64) {
    throw new TwofoldError('invalid_input', 'The name is too long: use at most 64 characters.', { field });
  }
  return name;
}

export function normalizePersonName(raw: string | undefined, field: string): string {
  const name = (raw ?? '').trim();
  refuseControlCharacters(name, field, `The ${field.replace('_', ' ')}`);
  if (name.length > 100) {
    throw new TwofoldError(
      'invalid_input',
      `The ${field.replace('_', ' ')} is too long: use at most 100 characters.`,
      {
        field,
      },
    );
  }
  return name;
}

/** `what` names the value as the message opens: "The first name". */
function refuseControlCharacters(value: string, field: string, what: string): void {
  if (CONTROL_CHARACTER.test(value)) {
    throw new TwofoldError(
      'invalid_input',
      `${what} must not contain control characters, such as a line break or an escape character. Remove them.`,
      { field },
    );
  }
}
