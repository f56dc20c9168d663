import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AwsError } from './errors.js';
import { newRequestId, sendJsonError, type JsonReply } from './json-protocol.js';
import { LeanHttp } from './lean-http.js';

/** One protocol front-end (DynamoDB JSON, S3 REST, RDS Query, console): claims a request or passes. */
export interface ProtocolHandler {
  name: string;
  /** True when this handler owns the request (decided from method, path and headers only). */
  claims(req: IncomingMessage): boolean;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /**
   * The same request read whole, for the lean HTTP path (lean-http.ts): only the first handler's, and only
   * for requests it claims. Its answer must be exactly what handle() would write.
   */
  handleBuffered?(req: BufferedRequest): JsonReply | Promise<JsonReply>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** A request read whole (method, raw URL, node's header object, body). */
export interface BufferedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The request body, at most `limit` bytes (RequestEntityTooLarge beyond, the request destroyed). Read with
 * 'data'/'end' listeners: `for await` cost an async iterator, end-of-stream tracking and a promise per chunk.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (b: Buffer): void => {
      size += b.length;
      if (size > limit) {
        done();
        req.destroy();
        reject(new AwsError('RequestEntityTooLarge', 'Request entity too large', 413));
        return;
      }
      chunks.push(b);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (e: Error): void => {
      done();
      reject(e);
    };
    // Closed before its end (the client went away): what `for await` reported.
    const onClose = (): void => {
      done();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

export class HttpServer {
  private readonly server: Server;
  private readonly lean: LeanHttp | undefined;

  constructor(private readonly handlers: ProtocolHandler[]) {
    this.server = createServer((req, res) => void this.dispatch(req, res));
    this.server.keepAliveTimeout = 65_000;
    const first = handlers[0];
    if (first?.handleBuffered && process.env.STRATA_LEAN_HTTP !== '0') {
      // Every connection starts on the lean path, which gives it to node's own listener when it must.
      const server = this.server;
      const nodeListener = server.listeners('connection')[0] as (socket: Socket) => void;
      server.removeListener('connection', nodeListener);
      const lean = new LeanHttp({
        claims: (req) => first.claims(req as unknown as IncomingMessage),
        handle: (req) => first.handleBuffered!(req),
        handOver: (socket) => nodeListener.call(server, socket),
        keepAliveTimeoutMs: server.keepAliveTimeout,
        maxBodyBytes: MAX_BODY_BYTES,
      });
      server.on('connection', (socket: Socket) => lean.accept(socket));
      this.lean = lean;
    }
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const handler = this.handlers.find((h) => h.claims(req));
    try {
      if (!handler) throw new AwsError('UnknownOperationException', '', 400);
      await handler.handle(req, res);
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const err = e instanceof AwsError ? e : internalError(e);
      sendJsonError(res, err, newRequestId());
    }
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      this.lean?.close();
    });
  }
}

export function internalError(e: unknown): AwsError {
  console.error('internal error:', e);
  return new AwsError('InternalServerError', 'Internal server error', 500);
}
