import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import {
  classifyWebauthnFailure,
  defaultKeyName,
  readClientChallenge,
  relyingPartyOf,
} from '../../src/core/webauthn-support.js';

const clientData = (value: unknown) => ({
  response: { clientDataJSON: isoBase64URL.fromUTF8String(JSON.stringify(value)) },
});

describe('relying party from the public URL', () => {
  it('uses the origin and the host name, never the path or port as RP ID', () => {
    expect(relyingPartyOf('https://mfa.example.com:8443/twofold/')).toEqual({
      rpId: 'mfa.example.com',
      origin: 'https://mfa.example.com:8443',
    });
    expect(relyingPartyOf('http://localhost:8080')).toEqual({
      rpId: 'localhost',
      origin: 'http://localhost:8080',
    });
  });

  it('refuses a URL that is not http(s) as a configuration mistake', () => {
    expect(() => relyingPartyOf('ftp://example.com')).toThrow(TypeError);
    expect(() => relyingPartyOf('not a url')).toThrow(TypeError);
  });
});

describe('reading the challenge a response claims', () => {
  it('reads it from clientDataJSON', () => {
    expect(readClientChallenge(clientData({ challenge: 'abcdefghijklmnopqrstuvwxyz_-0123' }))).toBe(
      'abcdefghijklmnopqrstuvwxyz_-0123',
    );
  });

  it('reads nothing from anything malformed', () => {
    for (const response of [
      null,
      undefined,
      'x',
      {},
      { response: {} },
      { response: { clientDataJSON: 42 } },
      { response: { clientDataJSON: '!!!' } },
      { response: { clientDataJSON: isoBase64URL.fromUTF8String('not json') } },
      clientData({}),
      clientData({ challenge: 12 }),
      clientData({ challenge: 'short' }),
      clientData({ challenge: "'; drop table--" }),
    ]) {
      expect(readClientChallenge(response)).toBeUndefined();
    }
  });
});

describe('default names from the kind of authenticator', () => {
  it('names synced passkeys, phones, built-in authenticators and security keys', () => {
    expect(defaultKeyName({ transports: ['internal', 'hybrid'], backupEligible: true }, [])).toBe('Passkey');
    expect(defaultKeyName({ transports: ['hybrid'], backupEligible: false }, [])).toBe('Phone');
    expect(
      defaultKeyName({ transports: ['internal'], attachment: 'platform', backupEligible: false }, []),
    ).toBe('Built-in authenticator');
    expect(defaultKeyName({ transports: ['usb', 'nfc'], backupEligible: false }, [])).toBe('Security key');
    expect(defaultKeyName({ transports: [], backupEligible: false }, [])).toBe('Security key');
  });

  it('numbers a name already taken', () => {
    expect(
      defaultKeyName({ transports: ['usb'], backupEligible: false }, ['Security key', 'Security key 2']),
    ).toBe('Security key 3');
  });
});

describe('sorting verification failures', () => {
  it('tells origin, RP ID, user verification and counter apart', () => {
    expect(classifyWebauthnFailure(new Error('Unexpected authentication response origin "x"'))).toBe(
      'origin',
    );
    expect(classifyWebauthnFailure(new Error('Unexpected RP ID hash'))).toBe('rp_id');
    expect(
      classifyWebauthnFailure(new Error('User verification required, but user could not be verified')),
    ).toBe('user_verification');
    expect(classifyWebauthnFailure(new Error('Response counter value 1 was lower than expected 2'))).toBe(
      'counter',
    );
    expect(classifyWebauthnFailure(new Error('Credential ID was not base64url-encoded'))).toBe('malformed');
    expect(classifyWebauthnFailure('not an error')).toBe('malformed');
  });
});
