import type { Command } from 'commander';
import type {
  MfaPolicy,
  ServiceKind,
  ServicePatch,
  ServiceSummary,
  ServiceWithSecret,
  SigningAlg,
} from '../core/index.js';
import { addDataDirOption, configWithDataDir } from './config-options.js';
import type { CliIo } from './io.js';
import { withContext } from './with-context.js';

interface ServiceOptions {
  readonly kind?: string;
  readonly host?: string[];
  readonly network?: string[];
  readonly secret?: string;
  readonly redirectUri?: string[];
  readonly logoutUri?: string[];
  readonly clientId?: string;
  readonly public?: boolean;
  readonly scopes?: string;
  readonly skipConsent?: boolean;
  readonly mfa?: string;
  readonly signingAlg?: string;
  readonly name?: string;
  readonly json?: boolean;
  readonly dataDir?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const MFA_HELP = 'MFA policy: required (always), user_choice (the person may turn it off), not_required';

/** `twofold service …`: the services (OpenID Connect clients) that sign people in through Twofold. */
export function registerServiceCommands(program: Command, io: CliIo): void {
  const service = program
    .command('service')
    .description('manage the services that sign people in through Twofold');

  addDataDirOption(
    service
      .command('add')
      .description(
        'register a service; a confidential one, an application or a RADIUS client gets a secret, printed this once',
      )
      .argument('<name>', 'the name people see, e.g. "Wiki"')
      .option(
        '--kind <kind>',
        'oidc (an OpenID Connect client), site (behind a reverse proxy: forward-auth), application (the validate API) or radius',
        'oidc',
      )
      .option(
        '--redirect-uri <uri>',
        'oidc: where the service receives the sign-in (repeatable; exact match)',
        collect,
      )
      .option('--host <host>', 'site: a host name, optionally with a path prefix (repeatable)', collect)
      .option('--network <cidr>', 'radius: an address or network it sends from (repeatable)', collect)
      .option('--secret <secret>', "radius: the device's shared secret (default: one is generated)")
      .option(
        '--logout-uri <uri>',
        'where the service may send people after logging out (repeatable)',
        collect,
      )
      .option('--client-id <id>', 'the client id (default: the name in lower case, with dashes)')
      .option('--public', 'a public client (single-page or native app): no secret, PKCE only')
      .option('--scopes <scopes>', 'scopes it may ask for, space or comma separated (default: all)')
      .option('--skip-consent', 'a first-party service: people are not asked to allow it')
      .option('--mfa <policy>', MFA_HELP, 'required')
      .option('--signing-alg <alg>', 'ID token signature: ES256 (default) or RS256 for old clients'),
  ).action(async (name: string, options: ServiceOptions) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const created = await core.services.register(
        {
          name,
          kind: options.kind as ServiceKind,
          clientId: options.clientId,
          redirectUris: options.redirectUri,
          logoutUris: options.logoutUri,
          hosts: options.host,
          networks: options.network,
          radiusSecret: options.secret,
          type: options.public ? 'public' : undefined,
          scopes: options.scopes === undefined ? undefined : [options.scopes],
          skipConsent: Boolean(options.skipConsent),
          mfaPolicy: options.mfa as MfaPolicy,
          signingAlg: options.signingAlg as SigningAlg | undefined,
        },
        'cli',
      );
      io.out(`Registered ${created.service.name} (client id ${created.service.clientId}).\n`);
      printSecret(io, created, core.settings.publicUrl);
    });
  });

  addDataDirOption(
    service.command('list').description('list the services').option('--json', 'print JSON'),
  ).action(async (options: ServiceOptions) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const services = await core.services.list();
      io.out(options.json ? `${JSON.stringify(services, null, 2)}\n` : formatTable(services));
    });
  });

  addDataDirOption(
    service
      .command('show')
      .description('show one service')
      .argument('<service>', 'client id or name')
      .option('--json', 'print JSON'),
  ).action(async (reference: string, options: ServiceOptions) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const found = await core.services.show(reference);
      io.out(
        options.json ? `${JSON.stringify(found, null, 2)}\n` : formatDetails(found, core.settings.publicUrl),
      );
    });
  });

  addDataDirOption(
    service
      .command('update')
      .description('change a service; the options given replace the values they name')
      .argument('<service>', 'client id or name')
      .option('--name <name>', 'a new name')
      .option('--host <host>', 'site: the host names, all of them (repeatable)', collect)
      .option('--network <cidr>', 'radius: the networks, all of them (repeatable)', collect)
      .option('--redirect-uri <uri>', 'the redirect URIs, all of them (repeatable)', collect)
      .option('--logout-uri <uri>', 'the logout URIs, all of them (repeatable)', collect)
      .option('--scopes <scopes>', 'the scopes it may ask for')
      .option('--skip-consent', 'people are not asked to allow it')
      .option('--no-skip-consent', 'people are asked to allow it')
      .option('--mfa <policy>', MFA_HELP)
      .option('--signing-alg <alg>', 'ES256 or RS256'),
  ).action(async (reference: string, options: ServiceOptions) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const patch: ServicePatch = {
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.host !== undefined ? { hosts: options.host } : {}),
        ...(options.network !== undefined ? { networks: options.network } : {}),
        ...(options.redirectUri !== undefined ? { redirectUris: options.redirectUri } : {}),
        ...(options.logoutUri !== undefined ? { logoutUris: options.logoutUri } : {}),
        ...(options.scopes !== undefined ? { scopes: [options.scopes] } : {}),
        ...(options.skipConsent !== undefined ? { skipConsent: options.skipConsent } : {}),
        ...(options.mfa !== undefined ? { mfaPolicy: options.mfa as MfaPolicy } : {}),
        ...(options.signingAlg !== undefined ? { signingAlg: options.signingAlg as SigningAlg } : {}),
      };
      const updated = await core.services.update(reference, patch, 'cli');
      io.out(`Updated ${updated.name}.\n${formatDetails(updated, core.settings.publicUrl)}`);
    });
  });

  addDataDirOption(
    service
      .command('remove')
      .description('remove a service: every code and token issued to it stops working')
      .argument('<service>', 'client id or name'),
  ).action(async (reference: string, options: ServiceOptions) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const removed = await core.services.remove(reference, 'cli');
      io.out(`Removed ${removed.name} (client id ${removed.clientId}).\n`);
    });
  });

  addDataDirOption(
    service
      .command('rotate-secret')
      .description(
        'give a confidential service, an application or a RADIUS client a new secret; the old one stops working at once',
      )
      .argument('<service>', 'client id or name'),
  ).action(async (reference: string, options: ServiceOptions) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const rotated = await core.services.rotateSecret(reference, 'cli');
      io.out(`New secret for ${rotated.service.name}; the previous one no longer works.\n`);
      printSecret(io, rotated, core.settings.publicUrl);
    });
  });
}

function printSecret(io: CliIo, result: ServiceWithSecret, publicUrl: string): void {
  const { service, clientSecret } = result;
  if (service.kind === 'site') {
    io.out(
      `Point your reverse proxy's forward-auth at ${publicUrl}/api/authz/forward-auth (docs/forward-auth.md).\n`,
    );
    return;
  }
  if (service.kind === 'radius') {
    io.out(`Shared secret (shown only this once; enter it on the device):\n${clientSecret}\n`);
    return;
  }
  if (clientSecret !== undefined) {
    io.out(`Client secret (shown only this once; Twofold keeps only its hash):\n${clientSecret}\n`);
  } else {
    io.out('A public client: no secret, it proves itself with PKCE.\n');
  }
  if (service.kind === 'application') {
    io.out(`Validate API: POST ${publicUrl}/api/v1/validate with HTTP Basic ${service.clientId}:<secret>\n`);
  } else {
    io.out(`Discovery URL: ${publicUrl}/.well-known/openid-configuration\n`);
  }
}

/** Where a service is: its redirect URIs, host names or networks, by kind. */
function whereOf(s: ServiceSummary): readonly string[] {
  if (s.kind === 'site') return s.hosts;
  if (s.kind === 'radius') return s.networks;
  return s.redirectUris;
}

function formatTable(services: readonly ServiceSummary[]): string {
  if (services.length === 0) return 'No services.\n';
  const rows = services.map((s) => [
    s.clientId,
    s.name,
    s.kind,
    s.kind === 'oidc' ? s.type : '-',
    s.mfaPolicy,
    whereOf(s).join(' '),
  ]);
  const header = ['CLIENT ID', 'NAME', 'KIND', 'TYPE', 'MFA', 'REDIRECT URIS / HOSTS / NETWORKS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}\n`;
  return line(header) + rows.map(line).join('');
}

function formatDetails(s: ServiceSummary, publicUrl: string): string {
  const byKind: Record<ServiceKind, string[]> = {
    oidc: [
      `Type:           ${s.type}`,
      `Redirect URIs:  ${s.redirectUris.join(', ')}`,
      `Logout URIs:    ${s.logoutUris.join(', ') || '-'}`,
      `Scopes:         ${s.scopes.join(' ')}`,
      `Skip consent:   ${s.skipConsent ? 'yes' : 'no'}`,
      `Signing:        ${s.signingAlg}`,
    ],
    site: [`Hosts:          ${s.hosts.join(', ')}`],
    application: [],
    radius: [`Networks:       ${s.networks.join(', ')}`],
  };
  const endpoint: Record<ServiceKind, string> = {
    oidc: `Discovery URL:  ${publicUrl}/.well-known/openid-configuration`,
    site: `Forward-auth:   ${publicUrl}/api/authz/forward-auth`,
    application: `Validate API:   ${publicUrl}/api/v1/validate`,
    radius: 'RADIUS:         UDP port TWOFOLD_RADIUS_PORT of twofold serve',
  };
  return [
    `Service:        ${s.name}`,
    `Client id:      ${s.clientId}`,
    `Kind:           ${s.kind}`,
    `MFA policy:     ${s.mfaPolicy}`,
    ...byKind[s.kind],
    `Created:        ${s.createdAt}`,
    `Updated:        ${s.updatedAt}`,
    `Id:             ${s.id}`,
    endpoint[s.kind],
    '',
  ].join('\n');
}
