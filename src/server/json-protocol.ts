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

const ID_LENGTH = 52;
/** Random bytes for request ids, drawn 128 ids at a time (one randomBytes call per request cost ~10 µs). */
let idPool = Buffer.alloc(0);
let idOffset = 0;

/** A request id in DynamoDB's shape: 52 upper-case letters and digits. */
export function newRequestId(): string {
  if (idOffset + ID_LENGTH > idPool.length) {
    idPool = randomBytes(ID_LENGTH * 128);
    idOffset = 0;
  }
  let id = '';
  for (let i = idOffset; i < idOffset + ID_LENGTH; i++) id += ID_ALPHABET[idPool[i]! % ID_ALPHABET.length];
  idOffset += ID_LENGTH;
  return id;
}

/** An AWS JSON 1.0 response, ready to write: status, body text and the x-amzn-RequestId it carries. */
export interface JsonReply {
  status: number;
  text: string;
  requestId: string;
}

export function jsonReply(status: number, body: unknown, requestId: string): JsonReply {
  return { status, text: body instanceof RawJson ? body.text : JSON.stringify(body ?? {}), requestId };
}

export function jsonErrorReply(err: AwsError, requestId: string): JsonReply {
  const body: Record<string, unknown> = { __type: `${err.namespace}#${err.code}` };
  if (err.message) body.message = err.message;
  Object.assign(body, err.extra);
  return jsonReply(err.status, body, requestId);
}

/** Writes an AWS JSON 1.0 response with x-amz-crc32 over the exact body bytes. */
export function writeJsonReply(res: ServerResponse, reply: JsonReply): void {
  const text = reply.text;
  // Written as a string (length and CRC over its UTF-8 bytes): Node sends headers and a string body in
  // one write, where a Buffer body costs a copy and a writev (~10 µs per request, bench/README.md).
  res.writeHead(reply.status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text, 'utf8'),
    'x-amzn-RequestId': reply.requestId,
    'x-amz-crc32': String(crc32(text)),
  });
  res.end(text, 'utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  writeJsonReply(res, jsonReply(status, body, requestId));
}

export function sendJsonError(res: ServerResponse, err: AwsError, requestId: string): void {
  writeJsonReply(res, jsonErrorReply(err, requestId));
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
