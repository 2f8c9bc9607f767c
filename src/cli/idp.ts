import type { Command } from 'commander';
import type {
  AccountMatching,
  IdentityProviderPatch,
  IdentityProviderSummary,
  ProviderMfaPolicy,
} from '../core/index.js';
import { addDataDirOption, configWithDataDir } from './config-options.js';
import { type CliIo, UsageError } from './io.js';
import { withContext } from './with-context.js';

interface ProviderOptions {
  readonly name?: string;
  readonly slug?: string;
  readonly issuer?: string;
  readonly clientId?: string;
  /** `false` from `--no-client-secret` on update: a public client from now on. */
  readonly clientSecret?: string | false;
  readonly clientSecretStdin?: boolean;
  readonly scopes?: string;
  readonly matching?: string;
  readonly emailDomains?: string;
  readonly mfaPolicy?: string;
  readonly mfaAcrValues?: string;
  readonly json?: boolean;
  readonly dataDir?: string;
}

const MATCHING_HELP =
  'how people are matched to accounts: linked (they link the provider from their account page ' +
  'first), email (by the verified e-mail the provider sends), create (unknown people get a new account)';
const MFA_POLICY_HELP =
  "second factor: trust_provider (no Twofold code; only as safe as the provider's sign-in), " +
  'trust_provider_mfa (no Twofold code only when the provider reports MFA), ' +
  'always_twofold (a Twofold factor every time)';
const SECRET_HELP =
  'the client secret the provider issued (visible in the process list and shell history: prefer --client-secret-stdin)';

/** Printed by `show`, `add` and `update`: each policy as the administrator weighs it. */
const POLICY_TRADE_OFFS: Readonly<Record<ProviderMfaPolicy, string>> = {
  trust_provider:
    "no Twofold code is asked, so an account is only as safe as the provider's own sign-in, perhaps a password alone",
  trust_provider_mfa:
    "the Twofold code is skipped only when the provider's ID token reports multi-factor, so you rely on the provider reporting it truthfully",
  always_twofold:
    'a Twofold factor is asked after every sign-in with the provider, the safest, but people without one cannot sign in this way',
};

const MATCHING_MEANINGS: Readonly<Record<AccountMatching, string>> = {
  linked: 'only accounts that linked the provider from their account page',
  email: "an existing account with the provider's verified e-mail",
  create: 'by verified e-mail, and a new account for someone unknown',
};

/** `twofold idp …`: the external OpenID Connect providers people may sign in to Twofold with. */
export function registerIdpCommands(program: Command, io: CliIo): void {
  const idp = program
    .command('idp')
    .description('manage the external OpenID Connect identity providers people may sign in with');

  addDataDirOption(
    idp
      .command('add')
      .description("add a provider; its discovery document is fetched and checked before it's saved")
      .argument('[name]', 'the name on the login page, "Sign in with <name>" (or --name)')
      .option('--name <name>', 'the name on the login page')
      .requiredOption('--issuer <url>', "the provider's issuer, exactly as its discovery document says")
      .requiredOption('--client-id <id>', 'the client id the provider gave Twofold')
      .option('--client-secret <secret>', SECRET_HELP)
      .option('--client-secret-stdin', 'read the client secret from standard input (one line)')
      .option('--slug <slug>', "in Twofold's URLs, the redirect URI among them (default: from the name)")
      .option(
        '--scopes <scopes>',
        'scopes to ask for, space or comma separated (default: openid email profile)',
      )
      .option('--matching <mode>', `${MATCHING_HELP} (default: linked)`)
      .option(
        '--email-domains <domains>',
        'with create: new accounts only for addresses at these domains, space or comma separated',
      )
      .option('--mfa-policy <policy>', `${MFA_POLICY_HELP} (default: trust_provider)`)
      .option('--mfa-acr-values <values>', 'with trust_provider_mfa: acr values that also count as MFA'),
  ).action(async (argument: string | undefined, options: ProviderOptions) => {
    const name = nameOf(argument, options.name);
    const clientSecret = await secretOf(io, options);
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const added = await core.identityProviders.add(
        {
          name,
          slug: options.slug,
          issuer: options.issuer ?? '',
          clientId: options.clientId ?? '',
          clientSecret: clientSecret || undefined,
          scopes: listOf(options.scopes),
          matching: options.matching as AccountMatching | undefined,
          emailDomains: listOf(options.emailDomains),
          mfaPolicy: options.mfaPolicy as ProviderMfaPolicy | undefined,
          mfaAcrValues: listOf(options.mfaAcrValues),
        },
        'cli',
      );
      io.out(`Added ${added.name} (slug ${added.slug}).\n${formatDetails(added)}${redirectNotice(added)}`);
    });
  });

  addDataDirOption(
    idp.command('list').description('list the identity providers').option('--json', 'print JSON'),
  ).action(async (options: ProviderOptions) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const providers = await core.identityProviders.list();
      io.out(options.json ? `${JSON.stringify(providers, null, 2)}\n` : formatTable(providers));
    });
  });

  addDataDirOption(
    idp
      .command('show')
      .description('show one identity provider, with the redirect URI to register at it')
      .argument('<provider>', 'slug, name or id')
      .option('--json', 'print JSON'),
  ).action(async (reference: string, options: ProviderOptions) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const found = await core.identityProviders.show(reference);
      io.out(
        options.json ? `${JSON.stringify(found, null, 2)}\n` : formatDetails(found) + redirectNotice(found),
      );
    });
  });

  addDataDirOption(
    idp
      .command('update')
      .description(
        'change a provider; the options given replace the values they name (a new issuer or client id is checked by discovery)',
      )
      .argument('<provider>', 'slug, name or id')
      .option('--name <name>', 'a new name')
      .option('--issuer <url>', 'a new issuer')
      .option('--client-id <id>', 'a new client id')
      .option('--client-secret <secret>', SECRET_HELP)
      .option('--client-secret-stdin', 'read the new client secret from standard input (one line)')
      .option('--no-client-secret', 'remove the client secret: a public client, PKCE only')
      .option('--scopes <scopes>', 'the scopes to ask for, all of them')
      .option('--matching <mode>', MATCHING_HELP)
      .option('--email-domains <domains>', 'the e-mail domains, all of them ("" for any)')
      .option('--mfa-policy <policy>', MFA_POLICY_HELP)
      .option('--mfa-acr-values <values>', 'the acr values that count as MFA, all of them ("" for none)'),
  ).action(async (reference: string, options: ProviderOptions) => {
    const clientSecret = await secretOf(io, options);
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const patch: IdentityProviderPatch = {
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
        ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
        // Core takes the empty string as "no secret".
        ...(clientSecret !== undefined ? { clientSecret } : {}),
        ...(options.scopes !== undefined ? { scopes: [options.scopes] } : {}),
        ...(options.matching !== undefined ? { matching: options.matching as AccountMatching } : {}),
        ...(options.emailDomains !== undefined ? { emailDomains: [options.emailDomains] } : {}),
        ...(options.mfaPolicy !== undefined ? { mfaPolicy: options.mfaPolicy as ProviderMfaPolicy } : {}),
        ...(options.mfaAcrValues !== undefined ? { mfaAcrValues: [options.mfaAcrValues] } : {}),
      };
      const updated = await core.identityProviders.update(reference, patch, 'cli');
      io.out(`Updated ${updated.name}.\n${formatDetails(updated)}`);
    });
  });

  addDataDirOption(
    idp
      .command('remove')
      .description("remove a provider: every account's link to it goes, and nobody signs in with it any more")
      .argument('<provider>', 'slug, name or id'),
  ).action(async (reference: string, options: ProviderOptions) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const removed = await core.identityProviders.remove(reference, 'cli');
      io.out(`Removed ${removed.name} (slug ${removed.slug}).\n`);
    });
  });
}

function nameOf(argument: string | undefined, option: string | undefined): string {
  if (argument !== undefined && option !== undefined && argument !== option) {
    throw new UsageError(`idp add: two names given, "${argument}" and --name "${option}"`);
  }
  const name = argument ?? option;
  if (name === undefined) throw new UsageError('idp add: give the name, e.g. twofold idp add "Staff SSO" …');
  return name;
}

/**
 * The secret from the flag or, kept out of the process list, from standard input; the empty
 * string for `--no-client-secret`; undefined when neither names one.
 */
async function secretOf(io: CliIo, options: ProviderOptions): Promise<string | undefined> {
  if (options.clientSecretStdin) {
    if (typeof options.clientSecret === 'string') {
      throw new UsageError(
        'give the client secret either with --client-secret or on standard input, not both',
      );
    }
    const line = (await io.readStdin()).split(/\r?\n/)[0] ?? '';
    if (line === '') throw new UsageError('--client-secret-stdin: no client secret on standard input');
    return line;
  }
  if (options.clientSecret === false) return '';
  return options.clientSecret;
}

const listOf = (value: string | undefined): string[] | undefined =>
  value === undefined ? undefined : [value];

/** What the administrator must copy to the provider's side, set apart from the details. */
function redirectNotice(p: IdentityProviderSummary): string {
  return `\nRegister this redirect URI at ${p.name} for client ${p.clientId}:\n  ${p.redirectUri}\n`;
}

function formatTable(providers: readonly IdentityProviderSummary[]): string {
  if (providers.length === 0) return 'No identity providers.\n';
  const rows = providers.map((p) => [p.slug, p.name, p.matching, p.mfaPolicy, p.issuer]);
  const header = ['SLUG', 'NAME', 'MATCHING', 'SECOND FACTOR', 'ISSUER'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}\n`;
  return line(header) + rows.map(line).join('');
}

function formatDetails(p: IdentityProviderSummary): string {
  return [
    `Identity provider:  ${p.name}`,
    `Slug:               ${p.slug}`,
    `Issuer:             ${p.issuer}`,
    `Client id:          ${p.clientId}`,
    `Client secret:      ${p.hasClientSecret ? 'set (sealed; never shown)' : 'none (a public client, PKCE only)'}`,
    `Scopes:             ${p.scopes.join(' ')}`,
    `Account matching:   ${p.matching} (${MATCHING_MEANINGS[p.matching]})`,
    `E-mail domains:     ${p.emailDomains.join(' ') || '-'}`,
    `Second factor:      ${p.mfaPolicy} (${POLICY_TRADE_OFFS[p.mfaPolicy]})`,
    `MFA acr values:     ${p.mfaAcrValues.join(' ') || '-'}`,
    `Redirect URI:       ${p.redirectUri}`,
    `Created:            ${p.createdAt}`,
    `Updated:            ${p.updatedAt}`,
    `Id:                 ${p.id}`,
    '',
  ].join('\n');
}
