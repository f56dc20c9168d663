import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { ProtocolHandler } from '../server/http-server.js';

/** Where `npm run build` puts the bundled front-end (console/build.mjs): dist/console-ui/. */
export const DEFAULT_UI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../console-ui');

export interface ConsoleOptions {
  /** The bundled UI (index.html, app.js, app.css). */
  uiDir?: string;
  /**
   * Credentials the console signs in with by itself. Only ever set when Strata is bound to a loopback
   * address (the development key); otherwise null and every visitor must sign in.
   */
  autoSignIn: { accessKeyId: string; secretAccessKey: string } | null;
  /** Region pre-filled on the sign-in page. */
  defaultRegion: string;
}

/** What index.html is told at load time; it holds no table, export or account data. */
export interface ConsoleBootstrap {
  signIn: 'auto' | 'required';
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  // The console talks to this origin only (the AWS APIs and the embedded S3 store on the same port).
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

/**
 * Serves the web console at /console: a static single-page app bundled at build time. It has no API of
 * its own: the browser signs AWS requests (DynamoDB JSON, S3 REST, RDS Query, /_strata/ admin) with the
 * user's credentials, exactly as any SDK user does, so every rule is enforced by the same operations.
 */
export class ConsoleHandler implements ProtocolHandler {
  readonly name = 'console';
  private readonly uiDir: string;
  private readonly cache = new Map<string, { body: Buffer; gzipped: Buffer; mtimeMs: number }>();

  constructor(private readonly opts: ConsoleOptions) {
    this.uiDir = opts.uiDir ?? DEFAULT_UI_DIR;
  }

  claims(req: IncomingMessage): boolean {
    const path = pathOf(req);
    return path === '/console' || path.startsWith('/console/');
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = pathOf(req);
    if (method !== 'GET' && method !== 'HEAD') {
      return send(res, 405, 'text/plain; charset=utf-8', Buffer.from('Method Not Allowed\n'), { Allow: 'GET, HEAD' }, method);
    }
    if (path === '/console') {
      res.writeHead(308, { Location: '/console/', 'Content-Length': 0 });
      res.end();
      return;
    }
    const rest = path.slice('/console/'.length);
    if (rest.startsWith('assets/')) {
      const name = rest.slice('assets/'.length);
      const type = ASSETS[name];
      if (!type) return send(res, 404, 'text/plain; charset=utf-8', Buffer.from('Not Found\n'), {}, method);
      const f = this.entry(name);
      if (!f) return notBuilt(res, method);
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      const headers: Record<string, string> = { 'Cache-Control': 'no-cache', Vary: 'Accept-Encoding' };
      if (gzip) headers['Content-Encoding'] = 'gzip';
      return send(res, 200, type, gzip ? f.gzipped : f.body, headers, method);
    }
    // Every other path under /console/ is the app shell (the app routes with the URL fragment).
    const html = this.file('index.html');
    if (!html) return notBuilt(res, method);
    const boot = this.bootstrap(req);
    // JSON in a non-executed script element; '<' escaped so no value can close the element.
    const json = JSON.stringify(boot).replace(/</g, '\\u003c');
    const page = Buffer.from(html.toString('utf8').replace('{{BOOTSTRAP}}', json), 'utf8');
    return send(res, 200, 'text/html; charset=utf-8', page, { 'Cache-Control': 'no-store' }, method);
  }

  /** The development key is handed out only to a loopback server's loopback visitors. */
  private bootstrap(req: IncomingMessage): ConsoleBootstrap {
    const auto = this.opts.autoSignIn;
    if (auto && isLoopbackAddress(req.socket.remoteAddress)) {
      return { signIn: 'auto', region: this.opts.defaultRegion, accessKeyId: auto.accessKeyId, secretAccessKey: auto.secretAccessKey };
    }
    return { signIn: 'required', region: this.opts.defaultRegion };
  }

  private file(name: string): Buffer | undefined {
    return this.entry(name)?.body;
  }

  /** A file of the bundle and its gzip encoding, re-read when a rebuild changes it. */
  private entry(name: string): { body: Buffer; gzipped: Buffer; mtimeMs: number } | undefined {
    const path = join(this.uiDir, name);
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      return undefined;
    }
    const hit = this.cache.get(name);
    if (hit && hit.mtimeMs === mtimeMs) return hit;
    const body = readFileSync(path);
    const entry = { body, gzipped: gzipSync(body, { level: 9 }), mtimeMs };
    this.cache.set(name, entry);
    return entry;
  }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function notBuilt(res: ServerResponse, method: string): void {
  send(res, 503, 'text/plain; charset=utf-8', Buffer.from('The console is not built: run `npm run build`.\n'), {}, method);
}

function send(res: ServerResponse, status: number, type: string, body: Buffer, extra: Record<string, string>, method: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': body.length, ...extra });
  res.end(method === 'HEAD' ? undefined : body);
}
