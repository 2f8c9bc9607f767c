import type { FastifyRequest } from 'fastify';
import { TwofoldError } from '../core/index.js';

const PARTS = ['params', 'query', 'body'] as const;

/**
 * Refuses a request whose parameters, query or parsed body hold a string with a NUL character
 * (U+0000), naming the field: `Invalid request: body field "username" must not contain a NUL
 * character.` PostgreSQL's text cannot hold one (SQLSTATE 22021), and nearly every string a
 * request sends reaches a query — the login looks the name up before checking anything — so
 * it would fail there as a 500, on one engine only. No one types a NUL; refusing it here, for
 * every route at once, keeps both engines alike. Other control characters are core's to judge
 * (validation.ts), where they are stored.
 */
export function refuseNulCharacters(request: FastifyRequest): void {
  for (const part of PARTS) {
    const field = nulField(request[part]);
    if (field !== undefined) {
      throw new TwofoldError(
        'invalid_input',
        `Invalid request: ${part}${field ? ` field "${field}"` : ''} must not contain a NUL character.`,
        { field: field || undefined },
      );
    }
  }
}

/**
 * The path ("a.0.b") of a string holding a NUL, "" for the value itself. A walk with its own
 * stack: a deeply nested JSON body must not overflow the call stack.
 */
function nulField(root: unknown): string | undefined {
  const pending: [value: unknown, path: string][] = [[root, '']];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
    } else if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
      for (const [key, inner] of Object.entries(value)) pending.push([inner, path ? `${path}.${key}` : key]);
    }
  }
  return undefined;
}
