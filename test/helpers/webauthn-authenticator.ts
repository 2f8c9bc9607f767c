import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

/** Authenticator data flags (WebAuthn Level 3 §6.1). */
const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

export interface SoftwareAuthenticatorOptions {
  /** The origin the "browser" puts in clientDataJSON. */
  readonly origin: string;
  /** The RP ID whose hash goes into the authenticator data. */
  readonly rpId: string;
  readonly userVerified?: boolean;
  /** Synced passkey flags (BE, BS). */
  readonly backupEligible?: boolean;
  readonly transports?: readonly string[];
}

/** What can be changed for one response, to forge what an attacker would send. */
export interface ResponseOverrides {
  readonly origin?: string;
  readonly rpId?: string;
  readonly challenge?: string;
  readonly userVerified?: boolean;
  /** The counter to report; by default the authenticator's own, one higher each use. */
  readonly signCount?: number;
}

/**
 * A WebAuthn authenticator and client in software: an ES256 key pair, "none" attestation, a
 * counter. It stands in for the browser in `app.inject()` tests, where the exact bytes matter
 * (a wrong origin, an old counter); the browser tests use Chromium's virtual authenticator.
 */
export class SoftwareAuthenticator {
  readonly credentialId = isoBase64URL.fromBuffer(randomBytes(32));
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private userHandle: string | undefined;
  signCount = 0;

  constructor(private readonly options: SoftwareAuthenticatorOptions) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  /** Answers `navigator.credentials.create()` with these options. */
  register(
    creation: PublicKeyCredentialCreationOptionsJSON,
    overrides: ResponseOverrides = {},
  ): RegistrationResponseJSON {
    this.userHandle = creation.user.id;
    const clientDataJSON = this.clientData(
      'webauthn.create',
      overrides.challenge ?? creation.challenge,
      overrides,
    );
    const jwk = this.publicKey.export({ format: 'jwk' });
    const coseKey = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, isoBase64URL.toBuffer(jwk.x as string)],
      [-3, isoBase64URL.toBuffer(jwk.y as string)],
    ]);
    const credentialId = isoBase64URL.toBuffer(this.credentialId);
    const idLength = new Uint8Array([credentialId.length >> 8, credentialId.length & 0xff]);
    const authData = concat(
      this.authDataHead(overrides, FLAG.AT, overrides.signCount ?? this.signCount),
      new Uint8Array(16), // AAGUID: all zero, as with "none" attestation
      idLength,
      credentialId,
      isoCBOR.encode(coseKey),
    );
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', authData],
      ]),
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: isoBase64URL.fromUTF8String(clientDataJSON),
        attestationObject: isoBase64URL.fromBuffer(attestationObject),
        transports: [
          ...(this.options.transports ?? ['usb']),
        ] as RegistrationResponseJSON['response']['transports'],
      },
    };
  }

  /** Answers `navigator.credentials.get()` with these options, signing with the private key. */
  assert(
    request: PublicKeyCredentialRequestOptionsJSON,
    overrides: ResponseOverrides = {},
  ): AuthenticationResponseJSON {
    if (overrides.signCount === undefined) this.signCount += 1;
    const clientDataJSON = this.clientData(
      'webauthn.get',
      overrides.challenge ?? request.challenge,
      overrides,
    );
    const authData = this.authDataHead(overrides, 0, overrides.signCount ?? this.signCount);
    const clientDataHash = createHash('sha256').update(clientDataJSON).digest();
    const signature = sign('sha256', concat(authData, clientDataHash), this.privateKey);
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: isoBase64URL.fromUTF8String(clientDataJSON),
        authenticatorData: isoBase64URL.fromBuffer(authData),
        signature: isoBase64URL.fromBuffer(new Uint8Array(signature)),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
    };
  }

  private clientData(type: string, challenge: string, overrides: ResponseOverrides): string {
    return JSON.stringify({
      type,
      challenge,
      origin: overrides.origin ?? this.options.origin,
      crossOrigin: false,
    });
  }

  private authDataHead(
    overrides: ResponseOverrides,
    extraFlags: number,
    signCount: number,
  ): Uint8Array<ArrayBuffer> {
    const rpIdHash = createHash('sha256')
      .update(overrides.rpId ?? this.options.rpId)
      .digest();
    const verified = overrides.userVerified ?? this.options.userVerified ?? true;
    const backup = this.options.backupEligible ? FLAG.BE | FLAG.BS : 0;
    const flags = FLAG.UP | (verified ? FLAG.UV : 0) | backup | extraFlags;
    const counter = new Uint8Array(4);
    new DataView(counter.buffer).setUint32(0, signCount);
    return concat(rpIdHash, new Uint8Array([flags]), counter);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
