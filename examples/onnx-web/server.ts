// A static page that classifies a row in the browser with onnxruntime-web:
// the exported model and its sidecar, the runtime's wasm files and sixstep's
// own input encoder (src/export/inputs.ts) are all served from this machine;
// nothing comes from a CDN.
//   node dist/examples/onnx-web/server.js --model <model dir> [--port 8090]
import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportModelDir, type ExportedModel } from '../../src/export/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ORT = join(root, 'node_modules', 'onnxruntime-web', 'dist');
// The encoder and the leaf modules it imports (none of them loads libtorch).
const SIXSTEP = new Set(['export/inputs.js', 'data/values.js', 'data/datetime.js', 'data/text.js', 'data/vocabulary.js']);
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.onnx': 'application/octet-stream' };

export interface ExampleServer {
  url: string;
  close(): Promise<void>;
}

export async function startExampleServer(exported: ExportedModel, o: { port?: number } = {}): Promise<ExampleServer> {
  const sidecar = Buffer.from(JSON.stringify(exported.sidecar));
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file: string | null = null;
    let body: Buffer | Uint8Array | null = null;
    if (path === '/' || path === '/index.html') file = join(root, 'examples', 'onnx-web', 'index.html');
    else if (path === '/model.onnx') body = exported.onnx;
    else if (path === '/model.inputs.json') body = sidecar;
    else if (path.startsWith('/ort/') && /^[\w.-]+\.(mjs|js|wasm)$/.test(path.slice(5))) file = join(ORT, path.slice(5));
    else if (path.startsWith('/sixstep/') && SIXSTEP.has(normalize(path.slice(9)))) file = join(root, 'dist', 'src', normalize(path.slice(9)));
    if (file && existsSync(file)) body = readFileSync(file);
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    const ext = (file ?? path).slice((file ?? path).lastIndexOf('.'));
    res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', resolve));
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const model = args[args.indexOf('--model') + 1];
  if (!args.includes('--model') || !model) {
    process.stderr.write('usage: node dist/examples/onnx-web/server.js --model <model dir> [--port 8090]\n');
    process.exit(2);
  }
  const port = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 8090;
  const s = await startExampleServer(exportModelDir(model), { port });
  process.stdout.write(`open ${s.url}\n`);
}
