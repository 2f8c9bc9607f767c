import type { Command } from 'commander';
import type { UserDetails, UserSummary } from '../core/index.js';
import { addDataDirOption, configWithDataDir } from './config-options.js';
import { type CliIo, UsageError } from './io.js';
import { withContext } from './with-context.js';

interface AddOptions {
  readonly email?: string;
  readonly passwordStdin?: boolean;
  readonly admin?: boolean;
  readonly requireOtp?: boolean;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly dataDir?: string;
}

/** `twofold user …`: manage accounts from the shell. */
export function registerUserCommands(program: Command, io: CliIo): void {
  const user = program.command('user').description('manage user accounts');

  addDataDirOption(
    user
      .command('add')
      .description('create a user; without --password-stdin a password-setup link is printed')
      .argument('<name>', 'user name (letters, digits, . _ -)')
      .requiredOption('--email <email>', 'e-mail address')
      .option('--password-stdin', 'read the password from standard input (one line)')
      .option('--admin', 'make the user an administrator')
      .option('--require-otp', 'require a second factor ("OTP Configured")')
      .option('--first-name <name>', 'first name')
      .option('--last-name <name>', 'last name'),
  ).action(async (name: string, options: AddOptions) => {
    const password = options.passwordStdin ? await readPasswordLine(io) : undefined;
    const config = configWithDataDir(io, options);
    await withContext(config, io, async ({ core }) => {
      const input = {
        username: name,
        email: options.email ?? '',
        firstName: options.firstName,
        lastName: options.lastName,
        isAdmin: Boolean(options.admin),
        otpRequired: Boolean(options.requireOtp),
      };
      // Without a password the user is onboarded by e-mail, exactly as when an administrator adds them.
      const created =
        password === undefined
          ? await core.administration
              .createUser('cli', input)
              .then(({ profile, setupUrl }) => ({ user: profile, setupUrl }))
          : await core.accounts.createUser({ ...input, password });
      io.out(
        `Created user ${created.user.username} <${created.user.email}>${created.user.isAdmin ? ' (administrator)' : ''}.\n`,
      );
      if (created.setupUrl) {
        io.out(
          `Password-setup link (valid ${config.setupLinkHours} hours, single use):\n${created.setupUrl}\n`,
        );
      }
    });
  });

  addDataDirOption(
    user
      .command('list')
      .description('list users')
      .option('--json', 'print JSON')
      .option('--search <text>', 'filter'),
  ).action(async (options: { json?: boolean; search?: string; dataDir?: string }) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const users = await core.accounts.listUsers(options.search);
      io.out(options.json ? `${JSON.stringify(users, null, 2)}\n` : formatUserTable(users));
    });
  });

  addDataDirOption(
    user
      .command('show')
      .description('show one user')
      .argument('<name>', 'user name or e-mail')
      .option('--json', 'print JSON'),
  ).action(async (name: string, options: { json?: boolean; dataDir?: string }) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const details = await core.accounts.getUser(name);
      io.out(options.json ? `${JSON.stringify(details, null, 2)}\n` : formatUserDetails(details));
    });
  });

  addDataDirOption(
    user
      .command('remove')
      .description('remove a user and all their authenticators')
      .argument('<name>', 'user name or e-mail'),
  ).action(async (name: string, options: { dataDir?: string }) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      // Through administration, as the admin API does: it keeps the last administrator.
      await core.administration.removeUser('cli', name);
      io.out(`Removed user ${name}.\n`);
    });
  });

  addDataDirOption(
    user
      .command('require-otp')
      .description(
        'turn "OTP Configured" on or off; off removes the user\'s devices, so off and on again makes them enroll anew',
      )
      .argument('<name>', 'user name or e-mail')
      .argument('<on|off>', 'on: a second factor is required at every login; off: it is not'),
  ).action(async (name: string, setting: string, options: { dataDir?: string }) => {
    if (setting !== 'on' && setting !== 'off') {
      throw new UsageError(`require-otp: expected "on" or "off", got "${setting}"`);
    }
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const before = await core.administration.profile('cli', name);
      const after = await core.administration.updateUser('cli', before.id, { otpRequired: setting === 'on' });
      await core.notices.settled();
      if (setting === 'on') {
        io.out(
          after.mfaActive
            ? `OTP is required for ${after.username}; they already have an authenticator.\n`
            : `OTP is required for ${after.username}: they set up a mobile authenticator at their next login.\n`,
        );
      } else {
        const removed = before.otpRequired ? before.authenticators.length : 0;
        io.out(
          `OTP is no longer required for ${after.username}` +
            (removed > 0
              ? `; ${plural(removed, 'authenticator')} and the backup codes were removed.\n`
              : '.\n'),
        );
      }
    });
  });

  addDataDirOption(
    user
      .command('reset-mfa')
      .description('remove every authenticator and backup code of a user (a lost or changed device)')
      .argument('<name>', 'user name or e-mail'),
  ).action(async (name: string, options: { dataDir?: string }) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const before = await core.administration.profile('cli', name);
      const after = await core.administration.resetMfa('cli', before.id);
      await core.notices.settled();
      io.out(
        `Removed ${plural(before.authenticators.length, 'authenticator')} and the backup codes of ${after.username}.` +
          (after.mfaRequired ? ' They set up a mobile authenticator at their next login.\n' : '\n'),
      );
    });
  });

  addDataDirOption(
    user
      .command('unlock')
      .description('unlock a second factor locked or throttled after wrong codes')
      .argument('<name>', 'user name or e-mail'),
  ).action(async (name: string, options: { dataDir?: string }) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const after = await core.administration.unlock('cli', name);
      io.out(`Unlocked two-factor sign-in of ${after.username}.\n`);
    });
  });
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** One line from standard input; the line ending is not part of the password. */
async function readPasswordLine(io: CliIo): Promise<string> {
  const input = await io.readStdin();
  const line = input.split(/\r?\n/)[0] ?? '';
  if (line === '') throw new UsageError('--password-stdin: no password on standard input');
  return line;
}

function formatUserTable(users: readonly UserSummary[]): string {
  if (users.length === 0) return 'No users.\n';
  const rows = users.map((u) => [
    u.username,
    u.email,
    u.isAdmin ? 'admin' : '',
    u.otpRequired ? 'required' : '',
    u.disabled ? 'disabled' : '',
    u.createdAt.slice(0, 10),
  ]);
  const header = ['USER', 'E-MAIL', 'ROLE', 'OTP', 'STATE', 'CREATED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}\n`;
  return line(header) + rows.map(line).join('');
}

function formatUserDetails(u: UserDetails): string {
  const lines = [
    `User:           ${u.username}`,
    `E-mail:         ${u.email}`,
    `Name:           ${`${u.firstName} ${u.lastName}`.trim() || '-'}`,
    `Administrator:  ${u.isAdmin ? 'yes' : 'no'}`,
    `OTP required:   ${u.otpRequired ? 'yes' : 'no'}`,
    `Password set:   ${u.hasPassword ? 'yes' : 'no (setup link pending)'}`,
    `Disabled:       ${u.disabled ? 'yes' : 'no'}`,
    `Created:        ${u.createdAt}`,
    `Last login:     ${u.lastLoginAt ?? 'never'}`,
    `Authenticators: ${u.authenticators.length === 0 ? 'none' : ''}`,
    ...u.authenticators.map(
      (a) =>
        `  - ${a.name} (${a.kind}, ${a.status}, added ${a.createdAt}, last used ${a.lastUsedAt ?? 'never'})`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
