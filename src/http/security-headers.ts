import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

declare module 'fastify' {
  interface FastifyReply {
    /** An answer of the JSON API (apiAnswerHeaders): it takes two headers instead of helmet's. */
    isJsonApiAnswer: boolean;
  }
}

const noop = () => {};

/**
 * helmet's headers on every answer but the JSON API's: a strict Content-Security-Policy and the
 * rest, from one middleware built at start-up. @fastify/helmet built a new one for every
 * request, its options copied, merged and checked again, and ran two hooks with copies of its
 * options even on the routes told to skip it: 7,000–10,000 instructions of a verification's
 * ~440,000 (measured with `npm run bench`). Set before the answer goes out rather than when
 * the request comes in, so the API's routes can opt out, and not found and error answers get
 * them as well.
 */
export function securityHeaders(app: FastifyInstance, options: { readonly https: boolean }): void {
  const setHeaders = helmet({
    // Strict CSP: our own scripts and styles only, no inline code; forms post only to us.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    // HSTS only means something over https; on plain http it is ignored or harmful.
    strictTransportSecurity: options.https,
    referrerPolicy: { policy: 'no-referrer' },
  });
  app.decorateReply('isJsonApiAnswer', false);
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!reply.isJsonApiAnswer) setHeaders(request.raw, reply.raw, noop);
    done(null, payload);
  });
}

/**
 * For the scope of the JSON API. Its answers need no CSP or frame rules (nothing renders them),
 * and helmet's dozen headers cost a verification 60,000–90,000 instructions (one count), most
 * of what bare Fastify spends (measured with `npm run bench`): they take the two that matter.
 */
export function apiAnswerHeaders(scope: FastifyInstance): void {
  scope.addHook('onRequest', (_request, reply, done) => {
    reply.isJsonApiAnswer = true;
    reply.header('x-content-type-options', 'nosniff').header('cache-control', 'no-store');
    done();
  });
}
