// The HTTP ceiling: a bare Fastify 5 app with one route that reads the same JSON body and the
// same bearer header as POST /api/v1/me/verify and answers the same JSON, doing nothing else.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.post<{ Body: { otp: string } }>(
  '/api/v1/me/verify',
  {
    schema: {
      body: {
        type: 'object',
        required: ['otp'],
        properties: { otp: { type: 'string', minLength: 1, maxLength: 64 } },
      },
      response: {
        200: {
          type: 'object',
          properties: { verifiedAt: { type: 'string' }, method: { type: 'string' } },
        },
      },
    },
  },
  async (request) => {
    if (!request.headers.authorization) throw new Error('no token');
    return { verifiedAt: new Date().toISOString(), method: 'totp' };
  },
);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
