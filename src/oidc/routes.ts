import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { Core } from '../core/index.js';
import { markHttps } from './https-request.js';
import { interactionRoutes } from './interaction-routes.js';
import { createProvider } from './provider.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The OpenID Connect provider, created (signing keys loaded or generated) on first use. */
    oidcProvider(): Promise<Provider>;
  }
}

interface Started {
  readonly provider: Provider;
  readonly callback: ReturnType<Provider['callback']>;
}

/**
 * Mounts the OpenID Connect provider inside the Fastify app: discovery at the standard well-known
 * path, the protocol's endpoints under /oidc/, and the interaction pages (interaction-routes.ts).
 * The provider is created on the first request that needs it, so an app that never serves one
 * (most tests) never generates keys; `twofold serve` creates it at start to log the issuer.
 * Registered without encapsulation (`skip-override`), so `app.oidcProvider()` reaches the caller.
 */
export async function oidcRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  let created: Promise<Started> | undefined;
  const started = (): Promise<Started> => {
    created ??= createProvider(core, app.log).then(
      (provider) => ({ provider, callback: provider.callback() }),
      (error: unknown) => {
        created = undefined;
        throw error;
      },
    );
    return created;
  };
  const provider = async (): Promise<Provider> => (await started()).provider;
  app.decorate('oidcProvider', provider);

  await app.register(async (scope) => {
    // oidc-provider reads its own request bodies (and limits them): Fastify must leave the stream alone.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const forward = async (request: FastifyRequest, reply: FastifyReply) => {
      const { callback } = await started();
      reply.hijack();
      callback(markHttps(request.raw, core.settings.publicUrl), reply.raw);
    };
    scope.all('/.well-known/openid-configuration', forward);
    scope.all('/oidc/*', forward);
  });
  await app.register(interactionRoutes, { core, provider });
}
// Fastify's own marker for a plugin that decorates its parent (what fastify-plugin sets).
Object.assign(oidcRoutes, { [Symbol.for('skip-override')]: true });
