import { createRequire } from 'node:module';
import type * as RadiusModule from 'radius';
import { authenticatorOf, signResponse } from './message-authenticator.js';

/** Loaded on the first packet: a server without RADIUS never reads its dictionaries. */
let library: typeof RadiusModule | undefined;
const radius = (): typeof RadiusModule => {
  library ??= createRequire(import.meta.url)('radius') as typeof RadiusModule;
  return library;
};

const PROXY_STATE_TYPE = 33;
/** RFC 2865 §5: an attribute holds at most 253 octets. */
const MAX_ATTRIBUTE_VALUE = 253;

/** What Twofold reads from an Access-Request. */
export interface AccessRequest {
  readonly identifier: number;
  readonly authenticator: Buffer;
  readonly userName: string | undefined;
  /** The PAP password, decrypted with the shared secret; undefined for CHAP, EAP or none. */
  readonly password: string | undefined;
  /** The State of an Access-Challenge this request answers. */
  readonly state: Buffer | undefined;
  /** Where the person is, as the device tells it (strongSwan sends the user's address). */
  readonly callingStationId: string | undefined;
  /** Echoed unchanged in the reply (RFC 2865 §5.33), for proxies on the way. */
  readonly proxyStates: readonly Buffer[];
}

/**
 * Decodes an Access-Request whose Message-Authenticator was already checked with this secret.
 *
 * @throws {Error} When the packet is not one the `radius` package can read.
 */
export function decodeAccessRequest(packet: Buffer, secret: string): AccessRequest {
  const decoded = radius().decode({ packet, secret });
  if (decoded.code !== 'Access-Request') throw new Error(`not an Access-Request: ${decoded.code}`);
  const attributes = decoded.attributes as Record<string, unknown>;
  return {
    identifier: decoded.identifier,
    authenticator: Buffer.from(authenticatorOf(packet)),
    userName: single(attributes['User-Name'], 'string'),
    password: single(attributes['User-Password'], 'string'),
    state: single(attributes.State, 'buffer'),
    callingStationId: single(attributes['Calling-Station-Id'], 'string'),
    proxyStates: (decoded.raw_attributes as [number, Buffer][])
      .filter(([type]) => type === PROXY_STATE_TYPE)
      .map(([, value]) => Buffer.from(value)),
  };
}

function single(value: unknown, kind: 'string'): string | undefined;
function single(value: unknown, kind: 'buffer'): Buffer | undefined;
/** An attribute sent once; a repeated one (the package gives an array) counts as absent. */
function single(value: unknown, kind: 'string' | 'buffer'): string | Buffer | undefined {
  if (kind === 'string') return typeof value === 'string' ? value : undefined;
  return Buffer.isBuffer(value) ? value : undefined;
}

export type ReplyCode = 'Access-Accept' | 'Access-Reject' | 'Access-Challenge';

export interface Reply {
  readonly code: ReplyCode;
  readonly replyMessage?: string;
  readonly state?: Buffer;
}

/**
 * Encodes the reply to a request, signed with the shared secret: the Message-Authenticator is
 * the first attribute (so no attacker-chosen attribute comes before it: Blast-RADIUS), the
 * Proxy-States of the request follow at the end, and the Response Authenticator is computed
 * over all of it.
 */
export function encodeReply(request: AccessRequest, reply: Reply, secret: string): Buffer {
  const attributes: [string | number, string | Buffer][] = [['Message-Authenticator', Buffer.alloc(16)]];
  if (reply.replyMessage) attributes.push(['Reply-Message', truncateUtf8(reply.replyMessage)]);
  if (reply.state) attributes.push(['State', reply.state]);
  for (const proxyState of request.proxyStates) attributes.push([PROXY_STATE_TYPE, proxyState]);
  const encoded = radius().encode({
    code: reply.code,
    identifier: request.identifier,
    secret,
    attributes,
    add_message_authenticator: false,
  });
  return signResponse(encoded, request.authenticator, secret);
}

/** At most one attribute's worth of UTF-8, cut on a character boundary. */
function truncateUtf8(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= MAX_ATTRIBUTE_VALUE) return bytes;
  let end = MAX_ATTRIBUTE_VALUE;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
