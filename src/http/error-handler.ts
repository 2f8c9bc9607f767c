import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable, isTwofoldError, uniqueViolation } from '../core/index.js';
import { errorEnvelope } from './error-envelope.js';

export interface PublicError {
  readonly status: number;
  readonly message: string;
  readonly reason?: string | undefined;
  readonly field?: string | undefined;
  readonly retryAfterSeconds?: number | undefined;
}

/**
 * Turns any thrown error into what a person may see. Our own denials and Fastify's client
 * errors (validation, bad JSON, too large) keep their message; anything else is a bug: it is
 * logged in full and answered with a message that reveals nothing.
 */
export function toPublicError(error: unknown): PublicError {
  if (isTwofoldError(error)) {
    return {
      status: error.status,
      message: error.message,
      reason: error.code,
      field: error.field,
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      message: 'The service is temporarily unavailable. Please try again in a moment.',
      reason: 'unavailable',
      retryAfterSeconds: 5,
    };
  }
  // Core answers the races it knows with its own 409 (user-conflicts.ts); any other request that
  // lost one to a concurrent request doing the same thing is told so, not that we failed.
  if (uniqueViolation(error)) {
    return {
      status: 409,
      message: 'Another request changed the same thing at the same moment. Reload the page and try again.',
      reason: 'conflict',
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    return {
      status: 400,
      message: describeValidation(fastifyError as FastifyError),
      reason: 'invalid_input',
    };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, message: clientMessage(fastifyError, status), reason: fastifyError.code?.toLowerCase() };
  }
  return { status: 500, message: 'Something went wrong on our side. Please try again.', reason: 'internal' };
}

function clientMessage(error: Partial<FastifyError>, status: number): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is not valid JSON.';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large.';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported content type: send application/json.';
    default:
      return status === 404 ? 'Not found.' : (error.message ?? 'Bad request.');
  }
}

/** "Invalid request: body.username must be a string" → names the field a person must fix. */
function describeValidation(error: FastifyError): string {
  const [first] = error.validation ?? [];
  if (!first) return 'Invalid request.';
  const path = (first.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const params = first.params as { missingProperty?: string; additionalProperty?: string } | undefined;
  const missing = params?.missingProperty;
  const field = missing ?? path;
  const where = error.validationContext ?? 'body';
  if (missing) return `Invalid request: ${where} is missing the field "${field}".`;
  if (params?.additionalProperty !== undefined) {
    const name = path ? `${path}.${params.additionalProperty}` : params.additionalProperty;
    return `Invalid request: ${where} has a field this call does not take: "${name}". Check its spelling.`;
  }
  return `Invalid request: ${where}${field ? ` field "${field}"` : ''} ${first.message ?? 'is invalid'}.`;
}

export function wantsHtml(request: FastifyRequest): boolean {
  if (request.url.startsWith('/api/')) return false;
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html');
}

export function sendJsonError(reply: FastifyReply, error: PublicError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply
    .code(error.status)
    .type('application/json; charset=utf-8')
    .send(errorEnvelope(error.status, error.message, { reason: error.reason, field: error.field }));
}
