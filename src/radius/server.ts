import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Core } from '../core/index.js';
import { AccessRequestHandler } from './access-request.js';
import { RadiusChallenges } from './challenges.js';
import { plainAddress, type RadiusClient, RadiusClients } from './clients.js';
import { type DropReason, newRadiusCounters, type RadiusCounters } from './counters.js';
import { DuplicateCache } from './duplicate-cache.js';
import {
  authenticatorOf,
  hasMessageAuthenticator,
  verifyRequestMessageAuthenticator,
  wellFormedPacket,
} from './message-authenticator.js';
import { decodeAccessRequest, encodeReply } from './packets.js';

const ACCESS_REQUEST = 1;
/** One warning per address and reason in this time; the counters keep counting. */
const WARN_INTERVAL_MS = 60_000;
const WARNED_MAX = 1_000;

/** The subset of pino the server logs with. */
export interface RadiusLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface RadiusServerOptions {
  readonly core: Core;
  /** Interface to bind, as for HTTP (TWOFOLD_HOST). */
  readonly host: string;
  /** UDP port; 0 picks a free one (see `address`). */
  readonly port: number;
  /**
   * The store's durability barrier, as the HTTP app's: no answer is sent before the writes it
   * depends on (an accepted code, a failure counted, a challenge) are on disk.
   */
  readonly durable?: (() => Promise<void> | undefined) | undefined;
  readonly logger: RadiusLogger;
}

const DROP_MESSAGES: Record<DropReason, string> = {
  malformed: 'RADIUS packet dropped: not a well-formed RADIUS packet',
  unsupported_code: 'RADIUS packet dropped: Twofold answers Access-Requests only',
  unknown_client:
    "RADIUS packet dropped: its address is in no RADIUS client's networks (twofold service add NAME --kind radius --network ADDRESS)",
  missing_message_authenticator:
    'RADIUS Access-Request dropped: it has no Message-Authenticator, which Twofold requires (Blast-RADIUS, CVE-2024-3596); turn it on in the client',
  bad_message_authenticator:
    'RADIUS Access-Request dropped: its Message-Authenticator is wrong, so the shared secret differs from the one registered',
  error: 'RADIUS request failed',
};

/**
 * Twofold's RADIUS server (RFC 2865 authentication, PAP): a UDP socket that answers the
 * registered RADIUS clients. Everything not provably from one of them is dropped without an
 * answer and counted: unparsable packets, unknown addresses, a missing or wrong
 * Message-Authenticator. Retransmissions get the first answer again (RFC 5080).
 */
export class RadiusServer {
  readonly counters: RadiusCounters = newRadiusCounters();
  private readonly clients: RadiusClients;
  private readonly handler: AccessRequestHandler;
  private readonly duplicates: DuplicateCache<Buffer | undefined>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly warned = new Map<string, number>();
  private closing = false;

  private constructor(
    private readonly socket: Socket,
    private readonly options: RadiusServerOptions,
  ) {
    const { core } = options;
    this.clients = new RadiusClients({
      store: core.store,
      services: core.services,
      clock: core.clock,
      onBadClient: (service, error) =>
        options.logger.error(
          { client: service.client_id, err: error },
          'RADIUS client skipped: its shared secret cannot be unsealed with this master key',
        ),
    });
    this.handler = new AccessRequestHandler(core, new RadiusChallenges(core.store, core.clock));
    this.duplicates = new DuplicateCache(() => core.clock.now());
    socket.on('message', (datagram, from) => this.receive(datagram, from));
    socket.on('error', (error) => options.logger.error({ err: error }, 'RADIUS socket error'));
  }

  /** Binds the socket; resolves once it listens. */
  static async start(options: RadiusServerOptions): Promise<RadiusServer> {
    const socket = createSocket({ type: isIPv6(options.host) ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      socket.once('error', onError);
      socket.bind({ port: options.port, address: options.host }, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    return new RadiusServer(socket, options);
  }

  /** Where it listens (the port chosen when started on 0). */
  address(): { readonly address: string; readonly port: number } {
    const { address, port } = this.socket.address();
    return { address, port };
  }

  /** Stops reading, lets the requests under way answer, then closes the socket. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.inFlight]);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private receive(datagram: Buffer, from: RemoteInfo): void {
    if (this.closing) return;
    this.counters.received += 1;
    const work = this.handle(datagram, from).catch((error: unknown) => {
      this.counters.dropped.error += 1;
      this.options.logger.error({ err: error, address: from.address }, DROP_MESSAGES.error);
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async handle(datagram: Buffer, from: RemoteInfo): Promise<void> {
    const packet = wellFormedPacket(datagram);
    if (packet === undefined) return this.drop('malformed', from);
    if (packet[0] !== ACCESS_REQUEST) return this.drop('unsupported_code', from, { code: packet[0] });
    const address = plainAddress(from.address);
    const candidates = await this.clients.matching(address);
    if (candidates.length === 0) return this.drop('unknown_client', from);
    const clientId = candidates[0]!.service.client_id;
    if (!hasMessageAuthenticator(packet))
      return this.drop('missing_message_authenticator', from, { clientId });
    const client = await this.sender(packet, address, candidates);
    if (client === undefined) return this.drop('bad_message_authenticator', from, { clientId });

    const key = DuplicateCache.keyOf(address, from.port, packet[1]!, authenticatorOf(packet));
    const earlier = this.duplicates.get(key);
    if (earlier !== undefined) {
      this.counters.duplicates += 1;
      const answer = await earlier;
      if (answer !== undefined) this.send(answer, from);
      return;
    }
    const pending = this.answer(packet, client, address, from);
    this.duplicates.set(key, pending);
    const answer = await pending;
    if (answer === undefined) {
      this.duplicates.delete(key);
      return;
    }
    this.send(answer, from);
  }

  /**
   * The client whose secret produced the Message-Authenticator. None fits: the register may have
   * changed (a rotated secret), so it is read again once before the packet is dropped.
   */
  private async sender(
    packet: Buffer,
    address: string,
    candidates: readonly RadiusClient[],
  ): Promise<RadiusClient | undefined> {
    const fits = (clients: readonly RadiusClient[]) =>
      clients.find((client) => verifyRequestMessageAuthenticator(packet, client.secret));
    const found = fits(candidates);
    if (found !== undefined || !(await this.clients.reloadEarly())) return found;
    return fits(await this.clients.matching(address));
  }

  /** The signed answer, once the writes it reports are durable; undefined for none. */
  private async answer(
    packet: Buffer,
    client: RadiusClient,
    address: string,
    from: RemoteInfo,
  ): Promise<Buffer | undefined> {
    let request: ReturnType<typeof decodeAccessRequest>;
    try {
      request = decodeAccessRequest(packet, client.secret);
    } catch {
      this.drop('malformed', from, { clientId: client.service.client_id });
      return undefined;
    }
    try {
      const reply = await this.handler.answer(request, client, address);
      const encoded = encodeReply(request, reply, client.secret);
      await this.options.durable?.();
      if (reply.code === 'Access-Accept') this.counters.accepted += 1;
      else if (reply.code === 'Access-Challenge') this.counters.challenged += 1;
      else this.counters.rejected += 1;
      return encoded;
    } catch (error) {
      // No answer: the client retries or asks another server, which beats a Reject it would
      // show as a wrong password.
      this.counters.dropped.error += 1;
      this.options.logger.error({ err: error, clientId: client.service.client_id }, DROP_MESSAGES.error);
      return undefined;
    }
  }

  private send(answer: Buffer, to: RemoteInfo): void {
    this.socket.send(answer, to.port, to.address, (error) => {
      if (error) this.options.logger.error({ err: error, address: to.address }, 'RADIUS answer not sent');
    });
  }

  /** Counted always; logged once a minute per address and reason, never with a secret. */
  private drop(reason: DropReason, from: RemoteInfo, fields: Record<string, unknown> = {}): void {
    this.counters.dropped[reason] += 1;
    const key = `${reason}|${from.address}`;
    const now = this.options.core.clock.now();
    const last = this.warned.get(key);
    if (last !== undefined && now - last < WARN_INTERVAL_MS) return;
    if (this.warned.size >= WARNED_MAX) this.warned.clear();
    this.warned.set(key, now);
    this.options.logger.warn(
      { reason, address: from.address, port: from.port, ...fields },
      DROP_MESSAGES[reason],
    );
  }
}
