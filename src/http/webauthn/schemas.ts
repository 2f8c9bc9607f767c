import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { Type } from 'typebox';

/**
 * The WebAuthn JSON shapes (WebAuthn Level 3 §5.1, `toJSON()`), as @simplewebauthn/browser sends
 * them. Checked here for shape and size only; the signatures are checked by the core.
 */
const Base64Url = (description: string, maxLength = 4096) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]*={0,2}$', description });

const Transports = Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10 });

const Attachment = Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]);

export const RegistrationResponseSchema = Type.Object(
  {
    id: Base64Url('The credential id.', 1024),
    rawId: Base64Url('The credential id again.', 1024),
    type: Type.Literal('public-key'),
    authenticatorAttachment: Type.Optional(Attachment),
    clientExtensionResults: Type.Object({}),
    response: Type.Object({
      clientDataJSON: Base64Url('The client data the authenticator signed over.'),
      attestationObject: Base64Url('The attestation object (CBOR).', 16384),
      authenticatorData: Type.Optional(Base64Url('The authenticator data.')),
      transports: Type.Optional(Transports),
      publicKeyAlgorithm: Type.Optional(Type.Integer()),
      publicKey: Type.Optional(Base64Url('The public key (SPKI).')),
    }),
  },
  { description: 'What `navigator.credentials.create()` returned, as JSON (RegistrationResponseJSON).' },
);

export const AuthenticationResponseSchema = Type.Object(
  {
    id: Base64Url('The credential id.', 1024),
    rawId: Base64Url('The credential id again.', 1024),
    type: Type.Literal('public-key'),
    authenticatorAttachment: Type.Optional(Attachment),
    clientExtensionResults: Type.Object({}),
    response: Type.Object({
      clientDataJSON: Base64Url('The client data the authenticator signed over.'),
      authenticatorData: Base64Url('The authenticator data.'),
      signature: Base64Url('The assertion signature.'),
      userHandle: Type.Optional(Base64Url('The user handle of a discoverable credential.', 1024)),
    }),
  },
  { description: 'What `navigator.credentials.get()` returned, as JSON (AuthenticationResponseJSON).' },
);

/** Creation options for `navigator.credentials.create()` (PublicKeyCredentialCreationOptionsJSON). */
export const CreationOptionsSchema = Type.Object(
  {
    challenge: Type.String(),
    rp: Type.Object({ id: Type.Optional(Type.String()), name: Type.String() }),
    user: Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String() }),
    pubKeyCredParams: Type.Array(Type.Object({ type: Type.String(), alg: Type.Integer() })),
    timeout: Type.Optional(Type.Integer()),
    excludeCredentials: Type.Optional(Type.Array(Type.Unknown())),
    authenticatorSelection: Type.Optional(Type.Unknown()),
    hints: Type.Optional(Type.Array(Type.String())),
    attestation: Type.Optional(Type.String()),
    extensions: Type.Optional(Type.Unknown()),
  },
  {
    description:
      'Pass as `optionsJSON` to @simplewebauthn/browser `startRegistration()`, or decode and pass to ' +
      '`navigator.credentials.create({ publicKey })`. The challenge is single-use and expires after 5 minutes.',
  },
);

/** Request options for `navigator.credentials.get()` (PublicKeyCredentialRequestOptionsJSON). */
export const RequestOptionsSchema = Type.Object(
  {
    challenge: Type.String(),
    rpId: Type.Optional(Type.String()),
    timeout: Type.Optional(Type.Integer()),
    allowCredentials: Type.Optional(Type.Array(Type.Unknown())),
    userVerification: Type.Optional(Type.String()),
    hints: Type.Optional(Type.Array(Type.String())),
    extensions: Type.Optional(Type.Unknown()),
  },
  {
    description:
      'Pass as `optionsJSON` to @simplewebauthn/browser `startAuthentication()`. The challenge is single-use ' +
      'and expires after 5 minutes.',
  },
);

/** The schema guarantees the shape the verification functions expect. */
export const asRegistrationResponse = (value: unknown) => value as RegistrationResponseJSON;
export const asAuthenticationResponse = (value: unknown) => value as AuthenticationResponseJSON;
