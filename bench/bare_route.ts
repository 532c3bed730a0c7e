// The stack's floor for bench/serve.ts: fastify with one POST route that
// parses the same JSON body and returns a constant. Prints one JSON line with
// its URL, then serves until SIGTERM.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/predict', async () => ({ ok: true }));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
