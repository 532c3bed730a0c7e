// What every sixstep server does the same way, table or image model:
// /health and /ready; while draining, `connection: close` on every response
// so keep-alive clients do not hold the exit up; drift reports saved at most
// every `driftSaveMs`; and close(): stop accepting, let in-flight requests
// finish, flush the records, save the last drift report.
import type { FastifyError, FastifyInstance } from 'fastify';
import type { ServeRecords } from './records.js';
import type { DriftReport } from './drift.js';
import { ServeFault } from './errors.js';

/** A request error of ours that carries its own status and body (InputError, ImageRequestError). */
interface RequestError {
  status: number;
  toJSON(): object;
}

const isRequestError = (e: unknown): e is RequestError & Error => e instanceof Error && typeof (e as Partial<RequestError>).status === 'number' && typeof (e as Partial<RequestError>).toJSON === 'function';

/**
 * Errors as both servers answer them: ours with their status and the field
 * they name; fastify's 4xx (schema, body size, content type) with the field
 * its validation names; anything else 500, and every 5xx is logged with its
 * reason (on stderr when fastify's logger is off) — never silent.
 */
export function setErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (err instanceof ServeFault) {
      logFault(app, `${req.method} ${req.url}: ${err.status} ${err.problem}: ${err.message}`);
      return reply.code(err.status).send(err.toJSON());
    }
    if (isRequestError(err)) return reply.code(err.status).send(err.toJSON());
    const status = (err as FastifyError).statusCode ?? 500;
    if (status < 500) {
      const v = (err as FastifyError).validation?.[0];
      const field = v ? String((v.params as { missingProperty?: string }).missingProperty ?? v.instancePath.replace(/^\//, '').replace(/\//g, '.')) || 'body' : null;
      return reply.code(status).send({ error: err.message, ...(field ? { field } : {}), code: (err as FastifyError).code });
    }
    logFault(app, `${req.method} ${req.url}: 500: ${err.stack ?? err.message}`);
    return reply.code(500).send({ error: 'internal error' });
  });
}

function logFault(app: FastifyInstance, line: string): void {
  if (app.log.level && app.log.level !== 'silent') app.log.error(line);
  else process.stderr.write(`serve: ${line}\n`);
}

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
      // The records thread may have died: close() falls back to this thread, and the drift report is saved whatever happened before.
      try {
        o.records.close();
      } finally {
        saveDrift(true);
      }
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
