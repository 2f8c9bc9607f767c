const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Character code → 5-bit value; -1 for anything outside the alphabet. Lower case maps like upper. */
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) {
  VALUES[ALPHABET.charCodeAt(i)] = i;
  VALUES[ALPHABET.toLowerCase().charCodeAt(i)] = i;
}

const SPACE = 0x20;
const PAD = 0x3d; // '='

/**
 * Encodes bytes as RFC 4648 base32 (upper case). Padding is on by default as the RFC says;
 * Key URIs and people typing secrets want it off.
 *
 * @see RFC 4648 §6
 */
export function encodeBase32(
  bytes: Uint8Array,
  { padding = true }: { readonly padding?: boolean } = {},
): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  if (padding) out += '='.repeat((8 - (out.length % 8)) % 8);
  return out;
}

/**
 * Decodes RFC 4648 base32 the way people write secrets: any case, spaces anywhere, padding
 * optional. Anything else — another character, padding in the middle, a length no encoding
 * can produce — throws a `TypeError` naming the problem, because a silently mangled secret
 * yields an authenticator whose codes never match.
 *
 * @see RFC 4648 §6
 */
export function decodeBase32(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let length = 0;
  let buffer = 0;
  let bits = 0;
  let symbols = 0;
  let paddingAt = -1;
  let pads = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === SPACE) continue;
    if (code === PAD) {
      if (paddingAt < 0) paddingAt = i;
      pads++;
      continue;
    }
    const value = code < 128 ? VALUES[code]! : -1;
    if (value < 0) {
      const character = String.fromCodePoint(text.codePointAt(i)!);
      throw new TypeError(`invalid base32 character ${JSON.stringify(character)} at position ${i + 1}`);
    }
    if (paddingAt >= 0)
      throw new TypeError(`base32 padding "=" at position ${paddingAt + 1} is not at the end`);
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    symbols++;
    if (bits >= 8) {
      bits -= 8;
      out[length++] = (buffer >>> bits) & 0xff;
    }
  }
  // 8 symbols carry 5 bytes; a last group of 1, 3 or 6 symbols cannot come from whole bytes.
  const rest = symbols % 8;
  if (rest === 1 || rest === 3 || rest === 6) {
    throw new TypeError(`base32 text of ${symbols} characters is truncated (no whole number of bytes)`);
  }
  if (pads > 0 && (symbols + pads) % 8 !== 0) {
    throw new TypeError(`base32 padding of ${pads} "=" does not fill the last group of 8 characters`);
  }
  return out.subarray(0, length);
}
