import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { AwsError } from './errors.js';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

/** A response body that is already JSON text (lets hot paths splice stored item JSON without re-parsing). */
export class RawJson {
  constructor(readonly text: string) {}
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A request id in DynamoDB's shape: 52 upper-case letters and digits. */
export function newRequestId(): string {
  const bytes = randomBytes(52);
  let id = '';
  for (const b of bytes) id += ID_ALPHABET[b % ID_ALPHABET.length];
  return id;
}

/** Writes an AWS JSON 1.0 response with x-amz-crc32 over the exact body bytes. */
export function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const text = body instanceof RawJson ? body.text : JSON.stringify(body ?? {});
  const bytes = Buffer.from(text, 'utf8');
  res.writeHead(status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': bytes.length,
    'x-amzn-RequestId': requestId,
    'x-amz-crc32': String(crc32(bytes)),
  });
  res.end(bytes);
}

export function sendJsonError(res: ServerResponse, err: AwsError, requestId: string): void {
  const body: Record<string, unknown> = { __type: `${err.namespace}#${err.code}` };
  if (err.message) body.message = err.message;
  Object.assign(body, err.extra);
  sendJson(res, err.status, body, requestId);
}

/** Parses a JSON 1.0 request body as AWS does: an object, or a SerializationException. */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsError('SerializationException', 'Start of structure or map found where not expected.', 400);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AwsError('SerializationException', 'Start of structure or map found where not expected.', 400);
  }
  return parsed as Record<string, unknown>;
}
