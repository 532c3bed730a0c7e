// What every sixstep server does the same way, table or image model:
// /health and /ready; while draining, `connection: close` on every response
// so keep-alive clients do not hold the exit up; drift reports saved at most
// every `driftSaveMs`; and close(): stop accepting, let in-flight requests
// finish, flush the records, save the last drift report.
import type { FastifyInstance } from 'fastify';
import type { ServeRecords } from './records.js';
import type { DriftReport } from './drift.js';

export interface LifecycleOptions {
  modelKey: string;
  records: ServeRecords;
  /** The current drift report (whatever the server must count first, it counts here). */
  driftReport: () => DriftReport;
  /** Drift reports are saved to the store at most this often (ms). Default 5000. */
  driftSaveMs?: number;
}

export interface Lifecycle {
  /** Saves the drift report if the last save is older than driftSaveMs (or now, with force). */
  saveDrift(force?: boolean): void;
  close(): Promise<void>;
}

export function serveLifecycle(app: FastifyInstance, o: LifecycleOptions): Lifecycle {
  let closing = false;
  let lastSave = 0;
  const driftSaveMs = o.driftSaveMs ?? 5000;
  const saveDrift = (force = false) => {
    const now = Date.now();
    if (!force && now - lastSave < driftSaveMs) return;
    lastSave = now;
    o.records.saveDrift(o.driftReport());
  };
  // A callback hook, not an async one: no promise per response for a flag that is false until shutdown.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => (closing ? reply.code(503).send({ ready: false, reason: 'shutting down' }) : { ready: true, model: o.modelKey }));
  return {
    saveDrift,
    async close() {
      closing = true;
      await app.close();
      o.records.close();
      saveDrift(true);
    },
  };
}

/** The /feedback body both servers accept: [{id, label}], 1 to maxRows of them. */
export function feedbackSchema(maxRows: number) {
  return {
    body: {
      type: 'object',
      required: ['labels'],
      properties: { labels: { type: 'array', minItems: 1, maxItems: maxRows, items: { type: 'object', required: ['id', 'label'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } } } },
    },
  };
}
