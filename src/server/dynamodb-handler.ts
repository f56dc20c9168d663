import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { DynamoService, Operation } from '../dynamodb/service.js';
import type { Authenticator } from './auth.js';
import { AwsError } from './errors.js';
import { internalError, readBody, type BufferedRequest, type ProtocolHandler } from './http-server.js';
import { jsonErrorReply, jsonReply, newRequestId, parseJsonBody, writeJsonReply, type JsonReply } from './json-protocol.js';

const TARGET_PREFIX = 'DynamoDB_20120810.';

/** AWS JSON 1.0 front-end: X-Amz-Target names the operation, the body is its input. */
export class DynamoDbHandler implements ProtocolHandler {
  readonly name = 'dynamodb';

  constructor(
    private readonly svc: DynamoService,
    private readonly auth: Authenticator,
    private readonly operations: Map<string, Operation>,
  ) {}

  claims(req: Pick<IncomingMessage, 'method' | 'headers'>): boolean {
    const target = req.headers['x-amz-target'];
    return req.method === 'POST' && typeof target === 'string' && target.startsWith('DynamoDB_');
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    let reply: JsonReply | Promise<JsonReply>;
    try {
      const body = await readBody(req);
      reply = this.respond(req.method ?? 'POST', req.url ?? '/', req.headers, body, requestId);
    } catch (e) {
      reply = errorReply(e, requestId);
    }
    writeJsonReply(res, reply instanceof Promise ? await reply : reply);
  }

  /** The whole request is in memory (the lean HTTP path, http-server.ts): the same answer, without node's streams. */
  handleBuffered(req: BufferedRequest): JsonReply | Promise<JsonReply> {
    return this.respond(req.method, req.url, req.headers, req.body, newRequestId());
  }

  /**
   * The reply to one request. Synchronous when the operation is (most are: SQLite is synchronous), so a
   * GetItem costs no promise hops; a Promise only when the operation returns one.
   */
  private respond(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer, requestId: string): JsonReply | Promise<JsonReply> {
    try {
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const query = q < 0 ? '' : url.slice(q + 1, noSecondQuestionMark(url, q));
      const principal = this.auth.authenticate({ method, path, query, headers, body }, 'dynamodb');
      const target = String(headers['x-amz-target']);
      const op = target.startsWith(TARGET_PREFIX) ? this.operations.get(target.slice(TARGET_PREFIX.length)) : undefined;
      if (!op) throw new AwsError('UnknownOperationException', '', 400);
      const input = parseJsonBody(body);
      const out = op(this.svc, { account: principal.account, region: principal.region, accessKeyId: principal.accessKeyId, requestId }, input);
      if (isThenable(out)) return Promise.resolve(out).then((v) => okReply(v, requestId), (e: unknown) => errorReply(e, requestId));
      return jsonReply(200, out, requestId);
    } catch (e) {
      return errorReply(e, requestId);
    }
  }
}

function okReply(out: unknown, requestId: string): JsonReply {
  try {
    return jsonReply(200, out, requestId);
  } catch (e) {
    return errorReply(e, requestId);
  }
}

function errorReply(e: unknown, requestId: string): JsonReply {
  return jsonErrorReply(e instanceof AwsError ? e : internalError(e), requestId);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** `url.split('?', 2)[1]` stops at a second '?': where the query ends. */
function noSecondQuestionMark(url: string, q: number): number {
  const second = url.indexOf('?', q + 1);
  return second < 0 ? url.length : second;
}
