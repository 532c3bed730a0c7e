// The dashboard server: Node's http module over the project store. Read-only
// (GET and HEAD only), bound to 127.0.0.1 unless told otherwise.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { answer, BadRequest, NotFound } from './api.js';
import { openExistingStore } from './open.js';
import { pageHtml } from './page.js';
import { vendorFile } from './vendor.js';

export interface DashboardOptions {
  projectDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
}

export interface Dashboard {
  url: string;
  host: string;
  port: number;
  projectDir: string;
  /** Stops listening, drops open connections and closes the store. */
  close(): Promise<void>;
}

/** The compiled browser modules next to this file (client.ts and what it imports). */
const BROWSER_MODULES = new Set(['client.js', 'format.js']);
const here = dirname(fileURLToPath(import.meta.url));

// Nothing but this server as a source: the page must work offline. Vega runs
// with its expression interpreter (ast mode), so no eval is needed either.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'";

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const host = o.host ?? '127.0.0.1';
  const { store, projectDir } = openExistingStore(o.projectDir);
  const page = pageHtml(store.project.name);
  let port = 0;

  // A page on another site could point a name it controls at 127.0.0.1 and
  // read the API (DNS rebinding); on loopback only our own names are served.
  const hostAllowed = (req: IncomingMessage) => {
    if (!LOOPBACK.has(host)) return true;
    const h = (req.headers.host ?? '').toLowerCase();
    return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(h);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'the dashboard is read-only\n', { Allow: 'GET, HEAD' });
    if (!hostAllowed(req)) return send(res, 403, 'text/plain; charset=utf-8', `unexpected Host header; open http://127.0.0.1:${port}/\n`);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/' || path === '/index.html') return send(res, 200, 'text/html; charset=utf-8', page, { 'Content-Security-Policy': CSP });
    // Browsers ask for it unprompted; an empty answer keeps their consoles clean.
    if (path === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    if (path.startsWith('/js/') && BROWSER_MODULES.has(path.slice(4))) {
      return send(res, 200, 'text/javascript; charset=utf-8', await readFile(join(here, path.slice(4))));
    }
    if (path.startsWith('/vendor/')) {
      const file = vendorFile(path.slice(8));
      if (file) return send(res, 200, 'text/javascript; charset=utf-8', await readFile(file), { 'Cache-Control': 'max-age=3600' });
    }
    if (path.startsWith('/api/')) {
      let segments: string[];
      try {
        segments = path.slice(5).split('/').filter(Boolean).map(decodeURIComponent);
      } catch {
        return send(res, 400, 'application/json', json({ error: 'malformed URL' }));
      }
      try {
        return send(res, 200, 'application/json', json(answer({ store, projectDir }, segments, url.searchParams)));
      } catch (e) {
        const status = e instanceof NotFound ? 404 : e instanceof BadRequest ? 400 : 500;
        return send(res, status, 'application/json', json({ error: (e as Error).message }));
      }
    }
    return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      // The reason goes to the terminal that started the dashboard, not to the page.
      process.stderr.write(`dashboard: ${req.method} ${req.url}: ${(e as Error)?.stack ?? String(e)}\n`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    store.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`port ${o.port} on ${host} is in use; pass another --port (0 picks a free one)`);
    throw e;
  }
  port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${shown}:${port}/`,
    host,
    port,
    projectDir,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).finally(() => store.close())),
  };
}
