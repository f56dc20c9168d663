import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamoService, Operation } from '../dynamodb/service.js';
import type { Authenticator } from './auth.js';
import { AwsError } from './errors.js';
import { internalError, readBody, type ProtocolHandler } from './http-server.js';
import { newRequestId, parseJsonBody, sendJson, sendJsonError } from './json-protocol.js';

const TARGET_PREFIX = 'DynamoDB_20120810.';

/** AWS JSON 1.0 front-end: X-Amz-Target names the operation, the body is its input. */
export class DynamoDbHandler implements ProtocolHandler {
  readonly name = 'dynamodb';

  constructor(
    private readonly svc: DynamoService,
    private readonly auth: Authenticator,
    private readonly operations: Map<string, Operation>,
  ) {}

  claims(req: IncomingMessage): boolean {
    const target = req.headers['x-amz-target'];
    return req.method === 'POST' && typeof target === 'string' && target.startsWith('DynamoDB_');
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    try {
      const body = await readBody(req);
      const [path, query = ''] = (req.url ?? '/').split('?', 2) as [string, string?];
      const principal = this.auth.authenticate({ method: req.method ?? 'POST', path, query, headers: req.headers, body }, 'dynamodb');
      const target = String(req.headers['x-amz-target']);
      const op = target.startsWith(TARGET_PREFIX) ? this.operations.get(target.slice(TARGET_PREFIX.length)) : undefined;
      if (!op) throw new AwsError('UnknownOperationException', '', 400);
      const input = parseJsonBody(body);
      const out = await op(this.svc, { ...principal, requestId }, input);
      sendJson(res, 200, out, requestId);
    } catch (e) {
      sendJsonError(res, e instanceof AwsError ? e : internalError(e), requestId);
    }
  }
}
