import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { AwsError } from './errors.js';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

/**
 * A response body that is already JSON text (lets hot paths splice stored item JSON without re-parsing):
 * head, then the items joined by commas, then tail. The items stay apart so that a large page is encoded
 * to UTF-8 item by item into one buffer, with no 1 MB string built first (bench/README.md).
 */
export class RawJson {
  constructor(readonly head: string, readonly items: readonly string[] = [], readonly tail = '') {}
}

/** From this many characters a body is encoded once into a Buffer, which its length, CRC and write share. */
export const ENCODE_ONCE_CHARS = 16 * 1024;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

const ID_LENGTH = 52;
const IDS_PER_POOL = 128;
/**
 * Request ids, drawn 128 at a time: random bytes mapped in place to the alphabet, so that each id is one
 * flat latin1 slice (one randomBytes call per request cost ~10 µs; 52 one-character concatenations built a
 * rope that every write had to flatten).
 */
let idPool = Buffer.alloc(0);
let idOffset = 0;

/** A request id in DynamoDB's shape: 52 upper-case letters and digits. */
export function newRequestId(): string {
  if (idOffset + ID_LENGTH > idPool.length) {
    idPool = randomBytes(ID_LENGTH * IDS_PER_POOL);
    for (let i = 0; i < idPool.length; i++) idPool[i] = ID_ALPHABET.charCodeAt(idPool[i]! % ID_ALPHABET.length);
    idOffset = 0;
  }
  const id = idPool.toString('latin1', idOffset, idOffset + ID_LENGTH);
  idOffset += ID_LENGTH;
  return id;
}

/** An AWS JSON 1.0 response, ready to write: status, body (text, or UTF-8 bytes when large) and the x-amzn-RequestId it carries. */
export interface JsonReply {
  status: number;
  body: string | Buffer;
  requestId: string;
}

export function jsonReply(status: number, body: unknown, requestId: string): JsonReply {
  return { status, body: body instanceof RawJson ? encodeRaw(body) : JSON.stringify(body ?? {}), requestId };
}

function encodeRaw(raw: RawJson): string | Buffer {
  const items = raw.items;
  if (items.length === 0) return raw.head + raw.tail;
  let chars = raw.head.length + raw.tail.length + items.length - 1;
  for (let i = 0; i < items.length; i++) chars += items[i]!.length;
  if (chars < ENCODE_ONCE_CHARS) return raw.head + items.join(',') + raw.tail;
  let bytes = Buffer.byteLength(raw.head, 'utf8') + Buffer.byteLength(raw.tail, 'utf8') + items.length - 1;
  for (let i = 0; i < items.length; i++) bytes += Buffer.byteLength(items[i]!, 'utf8');
  const out = Buffer.allocUnsafe(bytes);
  let at = out.write(raw.head, 0, 'utf8');
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out[at++] = 0x2c; // ','
    at += out.write(items[i]!, at, 'utf8');
  }
  out.write(raw.tail, at, 'utf8');
  return out;
}

export function jsonErrorReply(err: AwsError, requestId: string): JsonReply {
  const body: Record<string, unknown> = { __type: `${err.namespace}#${err.code}` };
  if (err.message) body.message = err.message;
  Object.assign(body, err.extra);
  return jsonReply(err.status, body, requestId);
}

/** Writes an AWS JSON 1.0 response with x-amz-crc32 over the exact body bytes. */
export function writeJsonReply(res: ServerResponse, reply: JsonReply): void {
  // A small body is written as a string (length and CRC over its UTF-8 bytes): Node sends headers and a
  // string body in one write, where a Buffer body costs a copy and a writev (~10 µs per request, bench/README.md).
  const body = typeof reply.body === 'string' && reply.body.length >= ENCODE_ONCE_CHARS ? Buffer.from(reply.body, 'utf8') : reply.body;
  res.writeHead(reply.status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length,
    'x-amzn-RequestId': reply.requestId,
    'x-amz-crc32': String(crc32(body)),
  });
  if (typeof body === 'string') res.end(body, 'utf8');
  else res.end(body);
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
