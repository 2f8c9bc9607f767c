import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** RFC 2865 §3: code, identifier, length, then the 16-byte authenticator. */
export const HEADER_LENGTH = 20;
const AUTHENTICATOR_START = 4;
const AUTHENTICATOR_LENGTH = 16;
/** RFC 2865 §3: the largest packet a server need accept. */
export const MAX_PACKET_LENGTH = 4096;
/** RFC 3579 §3.2: attribute 80, sixteen bytes of HMAC-MD5. */
export const MESSAGE_AUTHENTICATOR_TYPE = 80;
const MESSAGE_AUTHENTICATOR_LENGTH = 16;

/**
 * The packet a datagram carries, cut to its Length field, when its header and attribute list are
 * well formed (RFC 2865 §3: octets past Length are padding, a shorter datagram is discarded);
 * undefined otherwise.
 */
export function wellFormedPacket(datagram: Buffer): Buffer | undefined {
  if (datagram.length < HEADER_LENGTH) return undefined;
  const length = datagram.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > MAX_PACKET_LENGTH || length > datagram.length) return undefined;
  const packet = datagram.subarray(0, length);
  let offset = HEADER_LENGTH;
  while (offset < length) {
    if (offset + 2 > length) return undefined;
    const attributeLength = packet[offset + 1]!;
    if (attributeLength < 2 || offset + attributeLength > length) return undefined;
    offset += attributeLength;
  }
  return packet;
}

/** The request authenticator (or, in a response, the response authenticator). */
export function authenticatorOf(packet: Buffer): Buffer {
  return packet.subarray(AUTHENTICATOR_START, AUTHENTICATOR_START + AUTHENTICATOR_LENGTH);
}

/**
 * Where the one Message-Authenticator value starts; undefined when there is none, or more than
 * one, or one of the wrong length (each of which RFC 3579 §3.2 says to discard).
 */
function messageAuthenticatorOffset(packet: Buffer): number | undefined {
  let found: number | undefined;
  for (let offset = HEADER_LENGTH; offset < packet.length; offset += packet[offset + 1]!) {
    if (packet[offset] !== MESSAGE_AUTHENTICATOR_TYPE) continue;
    if (found !== undefined || packet[offset + 1] !== 2 + MESSAGE_AUTHENTICATOR_LENGTH) return undefined;
    found = offset + 2;
  }
  return found;
}

/** Whether the (well-formed) packet carries a Message-Authenticator attribute at all. */
export function hasMessageAuthenticator(packet: Buffer): boolean {
  for (let offset = HEADER_LENGTH; offset < packet.length; offset += packet[offset + 1]!) {
    if (packet[offset] === MESSAGE_AUTHENTICATOR_TYPE) return true;
  }
  return false;
}

/**
 * Checks an Access-Request's Message-Authenticator: HMAC-MD5 under the shared secret over the
 * whole packet with the attribute's value zeroed (RFC 3579 §3.2, RFC 2869 §5.14). Without it an
 * attacker in the path can forge an answer from a request (Blast-RADIUS, CVE-2024-3596), so a
 * request without one fails too. Compared in constant time.
 */
export function verifyRequestMessageAuthenticator(packet: Buffer, secret: string): boolean {
  const offset = messageAuthenticatorOffset(packet);
  if (offset === undefined) return false;
  const zeroed = Buffer.from(packet);
  zeroed.fill(0, offset, offset + MESSAGE_AUTHENTICATOR_LENGTH);
  const expected = createHmac('md5', secret).update(zeroed).digest();
  return timingSafeEqual(expected, packet.subarray(offset, offset + MESSAGE_AUTHENTICATOR_LENGTH));
}

/**
 * Signs a response in place: its Message-Authenticator is the HMAC-MD5 of the response with the
 * request's authenticator in the header and the attribute zeroed (RFC 3579 §3.2); then the
 * Response Authenticator is MD5(Code + Identifier + Length + Request Authenticator + Attributes +
 * Secret) over the attributes including it (RFC 2865 §3).
 *
 * @throws {Error} When the response has no Message-Authenticator attribute to fill in.
 */
export function signResponse(response: Buffer, requestAuthenticator: Buffer, secret: string): Buffer {
  const offset = messageAuthenticatorOffset(response);
  if (offset === undefined) throw new Error('a response needs one Message-Authenticator attribute');
  requestAuthenticator.copy(response, AUTHENTICATOR_START);
  response.fill(0, offset, offset + MESSAGE_AUTHENTICATOR_LENGTH);
  createHmac('md5', secret).update(response).digest().copy(response, offset);
  createHash('md5').update(response).update(secret).digest().copy(response, AUTHENTICATOR_START);
  return response;
}
