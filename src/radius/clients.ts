import { BlockList, isIPv6 } from 'node:net';
import type { Clock, Services } from '../core/index.js';
import type { ServiceRow, Store } from '../store/index.js';

/** A registered RADIUS client, with its shared secret unsealed. */
export interface RadiusClient {
  readonly service: ServiceRow;
  readonly secret: string;
  readonly networks: readonly Network[];
}

interface Network {
  readonly prefix: number;
  readonly list: BlockList;
}

/** How long the list of clients is trusted: a change made by `twofold service …` applies within it. */
export const CLIENTS_MAX_AGE_MS = 5_000;
/**
 * A packet from no known client, or one whose secret fits none, reloads the list early (a client
 * just added, a secret just rotated), but at most this often: a flood of such packets costs the
 * database one read a second.
 */
const EARLY_RELOAD_INTERVAL_MS = 1_000;

export interface RadiusClientsDependencies {
  readonly store: Store;
  readonly services: Pick<Services, 'radiusSecretOf'>;
  readonly clock: Clock;
  /** Told about a client whose secret cannot be unsealed (it is skipped). */
  readonly onBadClient?: (service: ServiceRow, error: unknown) => void;
}

/**
 * The RADIUS clients of the register, found by the address a packet comes from. Read from the
 * database and kept a few seconds, so every instance follows the register without a restart.
 */
export class RadiusClients {
  private clients: readonly RadiusClient[] = [];
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(private readonly deps: RadiusClientsDependencies) {}

  /**
   * The clients whose networks contain this address, the most specific network first: where two
   * clients overlap, the packet's Message-Authenticator tells which one sent it.
   */
  async matching(address: string): Promise<readonly RadiusClient[]> {
    if (this.deps.clock.now() - this.loadedAt >= CLIENTS_MAX_AGE_MS) await this.reload();
    const found = this.match(address);
    if (found.length > 0 || !(await this.reloadEarly())) return found;
    return this.match(address);
  }

  /** Reloads now unless the list is younger than a second; whether it did. */
  async reloadEarly(): Promise<boolean> {
    if (this.deps.clock.now() - this.loadedAt < EARLY_RELOAD_INTERVAL_MS) return false;
    await this.reload();
    return true;
  }

  private match(address: string): RadiusClient[] {
    const family = isIPv6(address) ? 'ipv6' : 'ipv4';
    return this.clients
      .map((client) => ({
        client,
        prefix: Math.max(
          -1,
          ...client.networks.filter((n) => n.list.check(address, family)).map((n) => n.prefix),
        ),
      }))
      .filter(({ prefix }) => prefix >= 0)
      .sort((a, b) => b.prefix - a.prefix)
      .map(({ client }) => client);
  }

  /** One read at a time: packets arriving meanwhile wait for it. */
  private reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const rows = await this.deps.store.services.listByKind('radius');
    const clients: RadiusClient[] = [];
    for (const service of rows) {
      try {
        clients.push({
          service,
          secret: this.deps.services.radiusSecretOf(service),
          networks: (JSON.parse(service.networks) as string[]).map(network),
        });
      } catch (error) {
        this.deps.onBadClient?.(service, error);
      }
    }
    this.clients = clients;
    this.loadedAt = this.deps.clock.now();
  }
}

/** `10.0.0.0/24`, `10.0.0.5`, `fd00::/64` (checked when registered: src/core/services.ts). */
function network(entry: string): Network {
  const [address = '', bits] = entry.split('/');
  const family = isIPv6(address) ? 'ipv6' : 'ipv4';
  const prefix = bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits);
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return { prefix, list };
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (a dual-stack socket's `::ffff:10.0.0.5`). */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address;
}
