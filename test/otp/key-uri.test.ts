import { describe, expect, test } from 'vitest';
import { buildKeyUri, decodeBase32, type KeyUri, parseKeyUri } from '../../src/otp/index.js';

const secret = decodeBase32('JBSWY3DPEHPK3PXP');

describe('buildKeyUri', () => {
  test('writes the label, the secret without padding and every parameter', () => {
    expect(buildKeyUri({ type: 'totp', issuer: 'Example', accountName: 'alice@google.com', secret })).toBe(
      'otpauth://totp/Example:alice%40google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example&algorithm=SHA1&digits=6&period=30',
    );
  });

  test('HOTP carries the counter, not a period', () => {
    expect(
      buildKeyUri({
        type: 'hotp',
        issuer: 'ACME Co',
        accountName: 'bob',
        secret,
        counter: 5,
        algorithm: 'sha256',
        digits: 8,
      }),
    ).toBe(
      'otpauth://hotp/ACME%20Co:bob?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA256&digits=8&counter=5',
    );
  });

  test('percent-encodes spaces, colons, ampersands and unicode in issuer and account', () => {
    const uri = buildKeyUri({ type: 'totp', issuer: 'Big Corp: Zürich', accountName: 'jörg & co:1', secret });
    expect(uri).toBe(
      'otpauth://totp/Big%20Corp%3A%20Z%C3%BCrich:j%C3%B6rg%20%26%20co%3A1?secret=JBSWY3DPEHPK3PXP&issuer=Big%20Corp%3A%20Z%C3%BCrich&algorithm=SHA1&digits=6&period=30',
    );
  });

  test('without an issuer the label is the account alone', () => {
    expect(buildKeyUri({ type: 'totp', accountName: 'alice', secret })).toBe(
      'otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30',
    );
  });

  test('accepts the secret as base32 text and normalises it', () => {
    expect(buildKeyUri({ type: 'totp', accountName: 'a', secret: 'jbsw y3dp ehpk 3pxp' })).toContain(
      'secret=JBSWY3DPEHPK3PXP&',
    );
  });

  test.each([
    [{ accountName: '' }, /accountName must not be empty/],
    [{ issuer: '' }, /issuer must be left out or not empty/],
    [{ secret: new Uint8Array(0) }, /secret must not be empty/],
    [{ secret: 'JBSW!' }, /invalid base32 character "!"/],
    [{ digits: 9 }, /digits must be 6, 7 or 8, not 9/],
    [{ algorithm: 'md5' }, /algorithm must be sha1, sha256 or sha512/],
    [{ periodSeconds: 0 }, /periodSeconds must be a positive whole number/],
    [{ type: 'motp' }, /type must be totp or hotp, not "motp"/],
    [{ issuer: '\ud800' }, /well-formed Unicode/],
  ])('throws TypeError for %o', (options, message) => {
    expect(() =>
      buildKeyUri({ type: 'totp', issuer: 'X', accountName: 'a', secret, ...(options as object) } as never),
    ).toThrow(expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }));
  });

  test('throws TypeError for a HOTP URI without a valid counter', () => {
    expect(() => buildKeyUri({ type: 'hotp', accountName: 'a', secret, counter: -1 })).toThrow(TypeError);
  });
});

describe('parseKeyUri', () => {
  test('reads the example of the Key URI format', () => {
    expect(
      parseKeyUri(
        'otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30',
      ),
    ).toEqual({
      type: 'totp',
      issuer: 'ACME Co',
      accountName: 'john.doe@email.com',
      secret: decodeBase32('HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ'),
      algorithm: 'sha1',
      digits: 6,
      periodSeconds: 30,
    });
  });

  test('fills in the defaults and takes the issuer from the label alone', () => {
    expect(parseKeyUri('otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP')).toEqual({
      type: 'totp',
      issuer: 'Example',
      accountName: 'alice',
      secret,
      algorithm: 'sha1',
      digits: 6,
      periodSeconds: 30,
    });
  });

  test('takes the issuer from the parameter alone, and an account with no issuer', () => {
    expect(parseKeyUri('otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP&issuer=Example').issuer).toBe('Example');
    expect(parseKeyUri('otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP').issuer).toBeUndefined();
  });

  test('accepts an encoded colon as the separator and a space after it', () => {
    const parsed = parseKeyUri('otpauth://totp/Example%3A%20alice@example.com?secret=JBSWY3DPEHPK3PXP');
    expect([parsed.issuer, parsed.accountName]).toEqual(['Example', 'alice@example.com']);
  });

  test('reads + as a space in parameters (as URLSearchParams writes them), but not in the label', () => {
    expect(parseKeyUri('otpauth://totp/A:c+d?secret=JBSWY3DPEHPK3PXP&issuer=A').accountName).toBe('c+d');
    expect(() => parseKeyUri('otpauth://totp/A+B:c?secret=JBSWY3DPEHPK3PXP&issuer=A+B')).toThrow(
      /issuer parameter "A B" differs from the label's issuer "A\+B"/,
    );
    expect(parseKeyUri('otpauth://totp/A%20B:c?secret=JBSWY3DPEHPK3PXP&issuer=A+B').issuer).toBe('A B');
  });

  test('reads HOTP with its counter, algorithm and digits case-insensitively', () => {
    expect(
      parseKeyUri(
        'OTPAUTH://HOTP/x:y?SECRET=jbswy3dpehpk3pxp&ALGORITHM=sha512&DIGITS=8&COUNTER=9007199254740991',
      ),
    ).toEqual({
      type: 'hotp',
      issuer: 'x',
      accountName: 'y',
      secret,
      algorithm: 'sha512',
      digits: 8,
      counter: 2 ** 53 - 1,
    });
  });

  test('ignores parameters it does not know', () => {
    expect(
      parseKeyUri('otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&image=https%3A%2F%2Fx%2Fy.png').accountName,
    ).toBe('a');
  });

  test.each([
    ['https://example.com/totp/a?secret=JBSWY3DPEHPK3PXP', /not an otpauth URI/],
    ['otpauth:totp/a?secret=JBSWY3DPEHPK3PXP', /not an otpauth URI/],
    ['otpauth://totp/a?secret=JBSWY3DPEHPK3PXP#frag', /not an otpauth URI/],
    ['otpauth://motp/a?secret=JBSWY3DPEHPK3PXP', /unknown type "motp" \(expected totp or hotp\)/],
    ['otpauth://totp/?secret=JBSWY3DPEHPK3PXP', /empty label/],
    ['otpauth://totp/Issuer:?secret=JBSWY3DPEHPK3PXP', /empty account name/],
    ['otpauth://totp/:alice?secret=JBSWY3DPEHPK3PXP', /empty issuer before the colon/],
    ['otpauth://totp/a', /no secret parameter/],
    ['otpauth://totp/a?secret=', /no secret parameter/],
    ['otpauth://totp/a?secret=JBSW1', /secret is not base32: invalid base32 character "1" at position 5/],
    ['otpauth://totp/a?secret=%20%20', /empty secret/],
    ['otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&secret=JBSWY3DPEHPK3PXP', /secret parameter more than once/],
    [
      'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=MD5',
      /algorithm "MD5" is not SHA1, SHA256 or SHA512/,
    ],
    ['otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=9', /digits "9" is not 6, 7 or 8/],
    ['otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=six', /digits "six" is not 6, 7 or 8/],
    ['otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=0', /period "0" is not a positive whole number/],
    ['otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=-30', /period "-30" is not a positive whole number/],
    ['otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP', /type hotp has no counter parameter/],
    ['otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=1.5', /counter "1.5" is not a whole number/],
    ['otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=9007199254740992', /counter "9007199254740992"/],
    [
      'otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&issuer=B',
      /issuer parameter "B" differs from the label's issuer "A"/,
    ],
    ['otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&issuer=', /empty issuer parameter/],
    ['otpauth://totp/a%E0%A4%A?secret=JBSWY3DPEHPK3PXP', /bad percent-encoding in the label/],
    ['otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&issuer=%ZZ', /bad percent-encoding in the issuer parameter/],
  ])('rejects %s', (uri, message) => {
    expect(() => parseKeyUri(uri)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }),
    );
  });
});

describe('Key URI round trip', () => {
  const cases: ReadonlyArray<KeyUri> = [
    {
      type: 'totp',
      issuer: 'Twofold',
      accountName: 'alice@example.com',
      secret,
      algorithm: 'sha1',
      digits: 6,
      periodSeconds: 30,
    },
    {
      type: 'totp',
      issuer: 'Big Corp',
      accountName: 'Alice Smith',
      secret,
      algorithm: 'sha256',
      digits: 8,
      periodSeconds: 60,
    },
    {
      type: 'totp',
      issuer: 'a:b:c',
      accountName: 'd:e',
      secret,
      algorithm: 'sha512',
      digits: 7,
      periodSeconds: 15,
    },
    {
      type: 'totp',
      issuer: 'Ünïcødé ✓ 日本',
      accountName: 'żółw 🐢',
      secret,
      algorithm: 'sha1',
      digits: 6,
      periodSeconds: 30,
    },
    {
      type: 'totp',
      issuer: 'R&D 100%',
      accountName: 'x?y=z#w/v+u',
      secret,
      algorithm: 'sha1',
      digits: 6,
      periodSeconds: 30,
    },
    {
      type: 'totp',
      issuer: undefined,
      accountName: 'no issuer',
      secret,
      algorithm: 'sha1',
      digits: 6,
      periodSeconds: 30,
    },
    {
      type: 'hotp',
      issuer: 'HOTP Inc.',
      accountName: 'bob',
      secret,
      algorithm: 'sha1',
      digits: 6,
      counter: 0,
    },
    {
      type: 'hotp',
      issuer: 'HOTP Inc.',
      accountName: 'bob',
      secret,
      algorithm: 'sha256',
      digits: 8,
      counter: 2 ** 40,
    },
  ];
  for (const keyUri of cases) {
    test(`${keyUri.type} ${JSON.stringify(keyUri.issuer)} / ${JSON.stringify(keyUri.accountName)}`, () => {
      const uri = buildKeyUri(keyUri);
      expect(uri).toMatch(/^otpauth:\/\/[a-z]+\/[A-Za-z0-9%._~!*'()-]+(:[A-Za-z0-9%._~!*'()-]+)?\?[^ ]+$/);
      expect(parseKeyUri(uri)).toEqual(keyUri);
    });
  }
});
