// What every sixstep server answers the same way, table or image model:
// /health, /ready, and closing keep-alive connections while draining, so
// clients do not hold the exit up.
import type { FastifyInstance } from 'fastify';

export function addLifecycleRoutes(app: FastifyInstance, o: { closing: () => boolean; modelKey: string }): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    if (o.closing()) reply.header('connection', 'close');
    return payload;
  });
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => (o.closing() ? reply.code(503).send({ ready: false, reason: 'shutting down' }) : { ready: true, model: o.modelKey }));
}
