import { STATUS_CODES } from 'node:http';
import { type TObject, type TProperties, Type } from 'typebox';

/**
 * Schemas shared by several API features. Each route's schemas are the single source of its
 * validation, its TypeScript types and its part of the OpenAPI document.
 */

const errorEnvelopeProperties = {
  error: Type.Object({
    message: Type.String({ description: 'What went wrong, in words a person can act on.' }),
    code: Type.Integer({ description: 'The HTTP status, repeated.' }),
    identity: Type.Null(),
    title: Type.String({ description: 'The HTTP reason phrase, e.g. "Unauthorized".' }),
    reason: Type.Optional(
      Type.String({
        description:
          'Machine-readable cause, e.g. `invalid_credentials`, `step_up_required`, `forbidden`. ' +
          'Absent when a second factor is needed at login (seed 001).',
      }),
    ),
    field: Type.Optional(Type.String({ description: 'The request field at fault, when there is one.' })),
  }),
};

export const ErrorEnvelope = Type.Object(errorEnvelopeProperties, {
  description: 'Every API error: `{"error":{"message","code","identity":null,"title"}}`.',
});

const errorDescriptions: Record<number, string> = {
  400: 'Invalid request: malformed JSON, a field that fails validation, or one the call does not take (named in the message).',
  401: 'Not authenticated, wrong credentials or code, or a fresh proof needed (`reason`).',
  403: 'Not allowed with this kind of token.',
  404: 'No such thing on your account.',
  410: 'Expired.',
  413: 'The request body is too large.',
  423: 'Two-factor authentication is locked after too many wrong codes.',
  429: 'Too many failed attempts: wait `Retry-After` seconds.',
};

/** The error responses a route can give, each described for the OpenAPI document. */
export function errorResponses<const S extends number>(
  ...statuses: S[]
): Record<S, TObject<typeof errorEnvelopeProperties>> {
  const responses = {} as Record<S, TObject<typeof errorEnvelopeProperties>>;
  for (const status of statuses) {
    responses[status] = Type.Object(errorEnvelopeProperties, {
      description: errorDescriptions[status] ?? STATUS_CODES[status] ?? 'Error',
    });
  }
  return responses;
}

/**
 * A JSON request body that names every field it takes: any other field is a 400 that names it.
 * Ignoring it would answer 200 to `{"isAdmn": true}` or `{"otpRequierd": false}` and leave the
 * caller believing a change was made that was not.
 */
export function RequestBody<const P extends TProperties>(properties: P) {
  return Type.Object(properties, { additionalProperties: false });
}

export const IsoTime = Type.String({ format: 'date-time' });
export const IsoTimeOrNull = Type.Union([IsoTime, Type.Null()]);

export const AuthenticatorSchema = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('totp'), Type.Literal('webauthn')]),
  name: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('active')]),
  createdAt: IsoTime,
  lastUsedAt: IsoTimeOrNull,
  backupEligible: Type.Optional(Type.Boolean()),
  backedUp: Type.Optional(Type.Boolean()),
});

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** For the OpenAPI document: routes that need `Authorization: Bearer …`. */
export const bearerSecurity = [{ bearerAuth: [] }];

/** The operation needs a login token, not a personal API token. */
export const loginTokenOnly = ' Needs an API login token: a personal API token gets 403.';
/** The operation is sensitive (security rule 5 in docs/architecture.md). */
export const sensitive =
  ' Sensitive: allowed within 5 minutes of the login (and, with a factor active, of the last code given at ' +
  'login or to POST /api/v1/me/verify); otherwise 401 with reason `step_up_required`.';
