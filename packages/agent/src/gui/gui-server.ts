import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { admit } from './guards.js';
import type { ActionResult, GuiView } from './view.js';

/** What the window shows and what it may ask the agent to do. */
export interface GuiBackend {
  view(): GuiView;
  /** Calls `listener` when something the window shows changed at once (a viewer, the idle dialog); returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  logs(): string[];
  actions: Record<string, (body: unknown) => Promise<ActionResult>>;
}

/** While a window is open, its view is pushed this often (bytes sent, recording length). */
const PUSH_MS = 1000;
const MAX_BODY_BYTES = 16 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  // PrimeVue puts its theme in <style> elements.
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
};

function send(res: http.ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8') {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

const sendJson = (res: http.ServerResponse, status: number, value: unknown) => send(res, status, JSON.stringify(value));

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) throw new Error('send JSON (content-type: application/json)');
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('the request is too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Error('the request is not valid JSON');
  }
}

/** Live updates: one Server-Sent Events stream per open window; no timer runs while none is open. */
function createEventStreams(backend: GuiBackend) {
  const open = new Set<http.ServerResponse>();
  let timer: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;
  const push = () => {
    const frame = `event: view\ndata: ${JSON.stringify(backend.view())}\n\n`;
    for (const res of open) res.write(frame);
  };
  return {
    add(req: http.IncomingMessage, res: http.ServerResponse) {
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      open.add(res);
      if (!timer) {
        timer = setInterval(push, PUSH_MS);
        unsubscribe = backend.onChange(push);
      }
      res.write(`event: view\ndata: ${JSON.stringify(backend.view())}\n\n`);
      req.on('close', () => {
        open.delete(res);
        if (open.size || !timer) return;
        clearInterval(timer);
        unsubscribe?.();
        timer = null;
      });
    },
    close() {
      for (const res of open) res.end();
    },
  };
}

function serveFile(res: http.ServerResponse, distDir: string, relative: string) {
  const file = path.join(distDir, relative === '/' || relative === '' ? 'index.html' : relative);
  if (!file.startsWith(distDir + path.sep)) return send(res, 404, 'not found', 'text/plain');
  fs.readFile(file, (err, body) => {
    if (err) {
      if (relative.startsWith('/assets/')) return send(res, 404, 'not found', 'text/plain');
      // Without a build the agent still runs; the page says what to do.
      return send(res, 503, 'The window of the agent is not built: run `npm run build:agent`.', 'text/plain; charset=utf-8');
    }
    const cache = relative.startsWith('/assets/') ? 'private, max-age=31536000, immutable' : 'no-store';
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': cache });
    res.end(body);
  });
}

/**
 * The agent's own window, served as a local web page (as Syncthing does) on 127.0.0.1 only, at a port
 * the system picks, every request guarded by the per-install secret, the Host and the Origin.
 */
export async function startGuiServer(options: { secret: string; distDir: string; backend: GuiBackend }) {
  const { secret, distDir, backend } = options;
  const streams = createEventStreams(backend);
  let port = 0;
  const server = http.createServer((req, res) => {
    const admitted = admit({ path: req.url ?? '/', host: req.headers.host, origin: req.headers.origin }, port, secret);
    if ('status' in admitted) return sendJson(res, 403, { error: 'forbidden', message: `refused: ${admitted.reason}` });
    void route(req, res, admitted.path).catch((err: Error) => sendJson(res, 400, { ok: false, message: err.message }));
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse, subpath: string) {
    if (subpath === '') {
      res.writeHead(302, { ...SECURITY_HEADERS, location: `/${secret}/` });
      return res.end();
    }
    if (req.method === 'GET' && subpath === '/api/view') return sendJson(res, 200, backend.view());
    if (req.method === 'GET' && subpath === '/api/events') return streams.add(req, res);
    if (req.method === 'GET' && subpath === '/api/logs') return sendJson(res, 200, { lines: backend.logs() });
    const action = /^\/api\/([a-z-]+)$/.exec(subpath)?.[1];
    if (action && Object.hasOwn(backend.actions, action)) {
      if (req.method !== 'POST') return sendJson(res, 405, { ok: false, message: 'use POST' });
      const result = await backend.actions[action](await readJson(req));
      return sendJson(res, result.ok ? 200 : 400, result);
    }
    if (subpath.startsWith('/api/')) return sendJson(res, 404, { ok: false, message: 'no such API' });
    if (req.method !== 'GET') return sendJson(res, 405, { ok: false, message: 'use GET' });
    // Any other path is the single-page app or one of its files.
    serveFile(res, distDir, path.extname(subpath) ? path.posix.normalize(subpath) : '/');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () => {
      streams.close();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
