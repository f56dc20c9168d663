import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { crc32 } from 'node:zlib';
import type { BufferedRequest } from './http-server.js';
import { ENCODE_ONCE_CHARS, JSON_CONTENT_TYPE, type JsonReply } from './json-protocol.js';

/**
 * A lean HTTP/1.1 path for the one kind of request that dominates a DynamoDB server's CPU: a small POST
 * with a Content-Length body, answered with JSON. Node's `http` module costs ~40 µs per request more than a
 * socket read and one write (IncomingMessage and ServerResponse streams, events, timers; bench/README.md),
 * about as much as everything Strata does for a GetItem.
 *
 * It takes only requests it understands exactly, and hands the connection to node's own HTTP server —
 * with every byte not yet answered, at a request boundary — for anything else: another method or version,
 * chunked bodies, `Expect`, `Upgrade`, `Connection` other than keep-alive, duplicate or unusual headers, a
 * request another handler claims (S3, the console, RDS), a head over node's 16 KB limit, a client that
 * stalls mid-request. Once handed over, a connection stays with node. What a client sees on this path is
 * what node sends: the same status line, headers in the same order, `Date`, `Connection: keep-alive`,
 * `Keep-Alive: timeout=65`, and the same idle timeout.
 */
export interface LeanOptions {
  /** The handler for the requests it claims (method, URL and headers only), or false: node:http serves it. */
  claims(req: Pick<BufferedRequest, 'method' | 'url' | 'headers'>): boolean;
  handle(req: BufferedRequest): JsonReply | Promise<JsonReply>;
  /** Gives a connection to node's HTTP server (its 'connection' listener). */
  handOver(socket: Socket): void;
  keepAliveTimeoutMs: number;
  /** Bodies larger than this go to node:http (readBody's limit answers them there). */
  maxBodyBytes: number;
}

/** node's default --max-http-header-size. */
const MAX_HEAD_BYTES = 16 * 1024;
/** node's default server.maxHeadersCount. */
const MAX_HEADERS = 2000;
/**
 * What this path takes: `POST <url> HTTP/1.1`, the URL of RFC 3986 characters only (stricter than llhttp,
 * so whatever passes, node would pass too), then header lines of a token, a colon and printable ASCII,
 * tabs or obs-text (llhttp refuses control characters; a lone CR or LF cannot match).
 */
const HEAD_SHAPE = /^POST \/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]* HTTP\/1\.1(?:\r\n[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*)*$/;
const CRLF2 = Buffer.from('\r\n\r\n');

/** Room for a reply's status line and headers (~250 bytes; a longer head is written the slow way). */
const HEAD_ROOM = 512;
/** A small body is under ENCODE_ONCE_CHARS characters, so at most three times as many UTF-8 bytes. */
const SCRATCH_BYTES = HEAD_ROOM + ENCODE_ONCE_CHARS * 3;
let scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);

let dateSecond = -1;
let dateText = '';
/** The Date header, as node formats it (cached per second). */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

type Parsed = { req: Omit<BufferedRequest, 'body'>; headEnd: number; bodyLength: number };

/**
 * The header names of the last head that passed, as sent and lower-cased, in line order. A client sends the
 * same names in the same order on every request, so the next head is compared with them in place and reuses
 * these strings: a slice, toLowerCase and string-table lookup per name was most of parseHead's cost.
 */
let lastSent: string[] = [];
let lastLower: string[] = [];

/**
 * The request head at the start of `buf`, or 'partial' (the head is not complete yet), or 'node' (not one
 * for this path).
 */
export function parseHead(buf: Buffer): Parsed | 'partial' | 'node' {
  const end = buf.indexOf(CRLF2);
  if (end < 0) return buf.length > MAX_HEAD_BYTES ? 'node' : 'partial';
  if (end > MAX_HEAD_BYTES) return 'node';
  const head = buf.toString('latin1', 0, end);
  // One pass checks the whole head's shape; the loop below then only cuts it up.
  if (!HEAD_SHAPE.test(head)) return 'node';
  let lineEnd = head.indexOf('\r\n');
  if (lineEnd < 0) return 'node'; // no headers, so no Content-Length
  const url = head.slice(5, lineEnd - 9);
  const headers: IncomingHttpHeaders = {};
  let bodyLength = -1;
  let count = 0;
  // Names as the last head had them, line by line, until the first that differs (then this head's are kept).
  let same = true;
  let sent: string[] = lastSent;
  let lower: string[] = lastLower;
  while (lineEnd >= 0) {
    const start = lineEnd + 2;
    const next = head.indexOf('\r\n', start);
    const stop = next < 0 ? head.length : next;
    let colon: number;
    let name: string;
    const known = same && count < sent.length ? sent[count]! : undefined;
    if (known !== undefined && head.startsWith(known, start) && head.charCodeAt(start + known.length) === 58 /* : */) {
      colon = start + known.length;
      name = lower[count]!;
    } else {
      if (same) {
        same = false;
        sent = sent.slice(0, count);
        lower = lower.slice(0, count);
      }
      colon = head.indexOf(':', start);
      const raw = head.slice(start, colon);
      name = raw.toLowerCase();
      sent.push(raw);
      lower.push(name);
    }
    const value = trimOws(head, colon + 1, stop);
    switch (name) {
      case 'content-length':
        if (!/^\d{1,9}$/.test(value)) return 'node';
        bodyLength = Number(value);
        break;
      case 'connection':
        if (value.toLowerCase() !== 'keep-alive') return 'node';
        break;
      case 'transfer-encoding': case 'expect': case 'upgrade': case 'set-cookie': case 'cookie':
        return 'node';
    }
    headers[name] = value;
    if (++count > MAX_HEADERS) return 'node';
    lineEnd = next;
  }
  if (!same || count !== sent.length) {
    // A repeated name (node joins or drops repeats by name) leaves fewer keys than lines; so does
    // `__proto__`, which an assignment does not create. A set of names that passed is remembered.
    if (Object.keys(headers).length !== count) return 'node';
    lastSent = same ? sent.slice(0, count) : sent;
    lastLower = same ? lower.slice(0, count) : lower;
  }
  if (bodyLength < 0) return 'node';
  return { req: { method: 'POST', url, headers }, headEnd: end + 4, bodyLength };
}

function trimOws(line: string, from: number, to: number): string {
  let a = from;
  let b = to;
  while (a < b && (line.charCodeAt(a) === 32 || line.charCodeAt(a) === 9)) a++;
  while (b > a && (line.charCodeAt(b - 1) === 32 || line.charCodeAt(b - 1) === 9)) b--;
  return line.slice(a, b);
}

/** Serves the connections it is given until one needs node:http; see LeanOptions. */
export class LeanHttp {
  private readonly connections = new Set<LeanConnection>();
  closing = false;

  constructor(readonly opts: LeanOptions) {}

  accept(socket: Socket): void {
    this.connections.add(new LeanConnection(this, socket));
  }

  /** Stops keep-alive: idle connections close now, busy ones after their response. */
  close(): void {
    this.closing = true;
    for (const c of this.connections) c.closeIfIdle();
  }

  /** @internal */
  forget(c: LeanConnection): void {
    this.connections.delete(c);
  }
}

class LeanConnection {
  private buf: Buffer | null = null;
  /** A reply is being computed (an asynchronous operation): further bytes wait. */
  private waiting = false;
  private done = false;
  private readonly opts: LeanOptions;
  private readonly onData = (d: Buffer): void => this.data(d);
  private readonly onTimeout = (): void => this.timeout();
  private readonly onError = (): void => { this.socket.destroy(); };
  private readonly onClose = (): void => this.finish();
  private readonly onDrain = (): void => {
    this.socket.resume();
    this.process();
  };

  constructor(private readonly owner: LeanHttp, private readonly socket: Socket) {
    this.opts = owner.opts;
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('drain', this.onDrain);
    socket.on('timeout', this.onTimeout);
    socket.setTimeout(this.opts.keepAliveTimeoutMs);
  }

  closeIfIdle(): void {
    if (!this.waiting && (this.buf === null || this.buf.length === 0)) this.socket.destroy();
  }

  private data(d: Buffer): void {
    if (this.done) return;
    this.buf = this.buf === null || this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    if (!this.waiting) this.process();
  }

  /** Answers every complete request in the buffer, in order, while they are for this path. */
  private process(): void {
    while (!this.done && !this.waiting && this.buf !== null && this.buf.length > 0) {
      if (this.socket.writableNeedDrain) {
        this.socket.pause();
        return;
      }
      const parsed = parseHead(this.buf);
      if (parsed === 'partial') return;
      if (parsed === 'node' || parsed.bodyLength > this.opts.maxBodyBytes || !this.opts.claims(parsed.req)) {
        this.handOver();
        return;
      }
      const total = parsed.headEnd + parsed.bodyLength;
      if (this.buf.length < total) return;
      // Socket chunks are fresh buffers (never reused by node): the body can be a view of one.
      const body = this.buf.subarray(parsed.headEnd, total);
      this.buf = this.buf.length === total ? null : this.buf.subarray(total);
      const reply = this.opts.handle({ method: parsed.req.method, url: parsed.req.url, headers: parsed.req.headers, body });
      if (reply instanceof Promise) {
        this.waiting = true;
        reply.then((r) => {
          this.waiting = false;
          this.write(r);
          this.process();
        }, () => this.socket.destroy());
        return;
      }
      this.write(reply);
    }
  }

  private write(r: JsonReply): void {
    if (this.done) return;
    const close = this.owner.closing;
    const text = r.body;
    if (typeof text === 'string' && text.length < ENCODE_ONCE_CHARS) {
      this.writeSmall(r, text, close);
    } else {
      // A large body (a Scan or Query page, up to ~1 MB) as UTF-8 bytes, which its length, its CRC and the
      // write share (a string would be encoded three times). One writev for both pieces.
      const body = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
      this.socket.cork();
      this.socket.write(this.head(r, body.length, crc32(body), close), 'latin1');
      this.socket.write(body);
      this.socket.uncork();
    }
    if (close) {
      // Further bytes are ignored; the error listener stays until the socket closes.
      this.done = true;
      this.buf = null;
      this.socket.end();
    }
  }

  /**
   * A small reply as one write of bytes: the body is encoded once into the scratch buffer, behind room for
   * the head, and its length and CRC are taken from those bytes (a string reply was measured for its length,
   * encoded for its CRC, joined to the head and encoded again by the write).
   */
  private writeSmall(r: JsonReply, text: string, close: boolean): void {
    const n = scratch.write(text, HEAD_ROOM, 'utf8');
    const head = this.head(r, n, crc32(scratch.subarray(HEAD_ROOM, HEAD_ROOM + n)), close);
    if (head.length > HEAD_ROOM) {
      this.socket.write(head + text, 'utf8');
      return;
    }
    scratch.write(head, HEAD_ROOM - head.length, 'latin1');
    this.socket.write(scratch.subarray(HEAD_ROOM - head.length, HEAD_ROOM + n));
    // Bytes the socket could not take at once are still the scratch's: the next reply gets a fresh one.
    if (this.socket.writableLength > 0) scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  }

  /** The status line and headers node:http would send for this reply. */
  private head(r: JsonReply, length: number, crc: number, close: boolean): string {
    return `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? 'unknown'}\r\n` +
      `Content-Type: ${JSON_CONTENT_TYPE}\r\nContent-Length: ${length}\r\n` +
      `x-amzn-RequestId: ${r.requestId}\r\nx-amz-crc32: ${crc}\r\nDate: ${httpDate()}\r\n` +
      (close ? 'Connection: close\r\n\r\n' : `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(this.opts.keepAliveTimeoutMs / 1000)}\r\n\r\n`);
  }

  private timeout(): void {
    if (this.done || this.waiting) return; // node does not time out a request in progress (server.timeout is 0)
    // Idle: closed, as node closes a keep-alive connection. A request stalled half-way: node's own
    // header and request timeouts judge it from here.
    if (this.buf === null || this.buf.length === 0) this.socket.destroy();
    else this.handOver();
  }

  private handOver(): void {
    const rest = this.buf;
    this.finish();
    const s = this.socket;
    s.setTimeout(0);
    if (rest !== null && rest.length > 0) s.unshift(rest);
    this.opts.handOver(s);
    if (s.isPaused()) s.resume();
  }

  private finish(): void {
    this.done = true;
    this.buf = null;
    const s = this.socket;
    s.off('data', this.onData);
    s.off('error', this.onError);
    s.off('close', this.onClose);
    s.off('drain', this.onDrain);
    s.off('timeout', this.onTimeout);
    this.owner.forget(this);
  }
}
