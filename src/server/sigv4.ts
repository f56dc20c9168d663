import * as crypto from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AwsError } from './errors.js';

/** What a parsed Authorization header (or presigned query) says about the signer. */
export interface SignatureInfo {
  accessKeyId: string;
  date: string; // yyyymmdd
  region: string;
  service: string;
  signedHeaders: readonly string[];
  /** The SignedHeaders text as sent, when the list came from it unchanged (the canonical request's line). */
  signedHeadersText?: string;
  signature: string;
  amzDate: string; // yyyymmddThhmmssZ
  /** True for query-string (presigned) authentication. */
  presigned: boolean;
  expiresSeconds?: number;
}

export interface SignedRequest {
  method: string;
  /** Raw path as received (already URI-encoded by the client). */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const MAX_SKEW_MS = 15 * 60 * 1000;

export function missingToken(): AwsError {
  return new AwsError('MissingAuthenticationTokenException', 'Request is missing Authentication Token', 400);
}

/** Parses AWS4-HMAC-SHA256 credentials from the Authorization header or the query string. */
export function parseSignature(req: SignedRequest): SignatureInfo {
  const auth = header(req.headers, 'authorization');
  if (auth !== undefined) return parseAuthorizationHeader(auth, req);
  const params = new URLSearchParams(req.query);
  if (params.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256') {
    const cred = params.get('X-Amz-Credential') ?? '';
    const scope = parseScope(cred);
    return {
      ...scope,
      signedHeaders: (params.get('X-Amz-SignedHeaders') ?? '').split(';').filter(Boolean),
      signature: params.get('X-Amz-Signature') ?? '',
      amzDate: params.get('X-Amz-Date') ?? '',
      presigned: true,
      expiresSeconds: Number(params.get('X-Amz-Expires') ?? '0'),
    };
  }
  throw missingToken();
}

/** The Authorization header every SDK sends: the three fields in this order. */
export const USUAL_AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^,\s]+), ?SignedHeaders=([^,\s]+), ?Signature=([^,\s]+)$/;

const USUAL_PREFIX = 'AWS4-HMAC-SHA256 Credential=';
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;

/**
 * SignedHeaders split into names, cached by its text: a client signs the same header set on every request, and
 * the split (an array and a string per name) was the largest part of parsing the Authorization header. The
 * lists are frozen because they are shared.
 */
const signedHeaderLists = new Map<string, readonly string[]>();
let lastSignedHeaders = '';
let lastSignedHeaderList: readonly string[] = [];

function signedHeaderList(text: string): readonly string[] {
  if (text === lastSignedHeaders) return lastSignedHeaderList;
  let list = signedHeaderLists.get(text);
  if (list === undefined) {
    list = Object.freeze(text.split(';'));
    if (signedHeaderLists.size >= 256) signedHeaderLists.clear();
    signedHeaderLists.set(text, list);
  }
  lastSignedHeaders = text;
  lastSignedHeaderList = list;
  return list;
}

/**
 * USUAL_AUTHORIZATION's three captures, found with indexOf when every character is printable ASCII (so
 * none is whitespace); anything else goes to the regex. Same result, without the regex's backtracking.
 */
export function usualFields(auth: string): [string, string, string] | undefined {
  if (!auth.startsWith(USUAL_PREFIX)) return undefined;
  if (NOT_PRINTABLE_ASCII.test(auth)) return regexFields(auth);
  const c1 = auth.indexOf(',', USUAL_PREFIX.length);
  if (c1 < 0) return undefined;
  const credential = auth.slice(USUAL_PREFIX.length, c1);
  let p = c1 + 1;
  if (auth.charCodeAt(p) === 32) p++;
  if (!auth.startsWith('SignedHeaders=', p)) return undefined;
  p += 'SignedHeaders='.length;
  const c2 = auth.indexOf(',', p);
  if (c2 < 0) return undefined;
  const signedHeaders = auth.slice(p, c2);
  p = c2 + 1;
  if (auth.charCodeAt(p) === 32) p++;
  if (!auth.startsWith('Signature=', p)) return undefined;
  const signature = auth.slice(p + 'Signature='.length);
  if (!credential || !signedHeaders || !signature || credential.includes(' ') || signedHeaders.includes(' ') || signature.includes(' ') || signature.includes(',')) {
    return regexFields(auth);
  }
  return [credential, signedHeaders, signature];
}

function regexFields(auth: string): [string, string, string] | undefined {
  const m = USUAL_AUTHORIZATION.exec(auth);
  return m ? [m[1]!, m[2]!, m[3]!] : undefined;
}

function parseAuthorizationHeader(auth: string, req: SignedRequest): SignatureInfo {
  const usual = usualFields(auth);
  const usualDate = usual ? header(req.headers, 'x-amz-date') : undefined;
  if (usual && usualDate) {
    // One object literal of fixed shape (a spread into a literal took V8's slow property-definition path).
    const scope = usualScope(usual[0]);
    return {
      accessKeyId: scope.accessKeyId, date: scope.date, region: scope.region, service: scope.service,
      signedHeaders: signedHeaderList(usual[1]), signedHeadersText: usual[1], signature: usual[2], amzDate: usualDate, presigned: false,
    };
  }
  if (!auth.startsWith('AWS4-HMAC-SHA256 ')) {
    throw new AwsError('IncompleteSignatureException', `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${auth}`, 400);
  }
  const fields = new Map<string, string>();
  for (const part of auth.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((k) => !fields.get(k));
  if (missing.length > 0) {
    const list = missing.map((k) => `'${k}'`).join(', ');
    throw new AwsError('IncompleteSignatureException', `Authorization header requires ${list} parameter${missing.length > 1 ? 's' : ''}. Authorization=${auth}`, 400);
  }
  const amzDate = header(req.headers, 'x-amz-date') ?? '';
  if (!amzDate) {
    throw new AwsError('IncompleteSignatureException', `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${auth}`, 400);
  }
  return {
    ...parseScope(fields.get('Credential')!),
    signedHeaders: fields.get('SignedHeaders')!.split(';'),
    signature: fields.get('Signature')!,
    amzDate,
    presigned: false,
  };
}

type Scope = Pick<SignatureInfo, 'accessKeyId' | 'date' | 'region' | 'service'>;

/** The last credential scope parsed: a client sends the same one all day. */
let lastCredential = '';
let lastScope: Scope | undefined;

function usualScope(credential: string): Scope {
  if (credential === lastCredential && lastScope) return lastScope;
  const scope = parseScope(credential);
  lastCredential = credential;
  lastScope = scope;
  return scope;
}

function parseScope(credential: string): Scope {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') {
    throw new AwsError('IncompleteSignatureException', `Credential should be scoped to a valid region. `, 400);
  }
  return { accessKeyId: parts[0]!, date: parts[1]!, region: parts[2]!, service: parts[3]! };
}

/** The last date parsed: a client's requests carry the same X-Amz-Date for a whole second. */
let lastAmzDate = '';
let lastAmzMs = NaN;

export function parseAmzDate(amzDate: string): number {
  if (amzDate === lastAmzDate) return lastAmzMs;
  const ms = parseAmzDateUncached(amzDate);
  lastAmzDate = amzDate;
  lastAmzMs = ms;
  return ms;
}

function parseAmzDateUncached(amzDate: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

function isoBasic(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Rejects requests whose signing time is more than 15 minutes from the server's clock. */
export function checkSkew(info: SignatureInfo, nowMs: number): void {
  const t = parseAmzDate(info.amzDate);
  if (Number.isNaN(t)) {
    throw new AwsError('IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${info.amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`, 400);
  }
  if (info.presigned) {
    if (t + (info.expiresSeconds ?? 0) * 1000 < nowMs) throw new AwsError('AccessDenied', 'Request has expired', 403);
    return;
  }
  if (t < nowMs - MAX_SKEW_MS) {
    throw new AwsError('InvalidSignatureException', `Signature expired: ${info.amzDate} is now earlier than ${isoBasic(nowMs - MAX_SKEW_MS)} (${isoBasic(nowMs)} - 15 min.)`, 400);
  }
  if (t > nowMs + MAX_SKEW_MS) {
    throw new AwsError('InvalidSignatureException', `Signature not yet current: ${info.amzDate} is still later than ${isoBasic(nowMs + MAX_SKEW_MS)} (${isoBasic(nowMs)} + 15 min.)`, 400);
  }
}

/** Recomputes the signature with the secret key and compares in constant time. */
export function signatureMatches(req: SignedRequest, info: SignatureInfo, secretAccessKey: string): boolean {
  const a = signatureBytes(req, info, secretAccessKey);
  const b = Buffer.from(info.signature, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

export function computeSignature(req: SignedRequest, info: SignatureInfo, secretAccessKey: string): string {
  return signatureBytes(req, info, secretAccessKey).toString('hex');
}

function signatureBytes(req: SignedRequest, info: SignatureInfo, secretAccessKey: string): Buffer {
  const stringToSign = `AWS4-HMAC-SHA256\n${info.amzDate}\n${info.date}/${info.region}/${info.service}/aws4_request\n${sha256Hex(canonicalRequest(req, info))}`;
  return signingKey(secretAccessKey, info).sign(stringToSign);
}

/**
 * HMAC-SHA256 under one key as two one-shot hashes over the key's padded blocks (RFC 2104), kept with the
 * key. createHmac builds an Hmac stream and a native handle, weakly held until the next GC, per request.
 */
export class HmacKey {
  private readonly inner: Buffer;
  private readonly outer = Buffer.alloc(64 + 32);

  constructor(readonly key: Buffer) {
    // Keys longer than a block are hashed first (SigV4's derived keys are 32 bytes).
    const k = key.length > 64 ? createHash('sha256').update(key).digest() : key;
    this.inner = Buffer.alloc(64 + 256);
    for (let i = 0; i < 64; i++) {
      this.inner[i] = (k[i] ?? 0) ^ 0x36;
      this.outer[i] = (k[i] ?? 0) ^ 0x5c;
    }
  }

  sign(message: string): Buffer {
    if (!oneShotHash) return createHmac('sha256', this.key).update(message, 'utf8').digest();
    const length = Buffer.byteLength(message, 'utf8');
    // Messages that outgrow the buffer (never a SigV4 string to sign, ~150 bytes) get a one-off one.
    const inner = length <= this.inner.length - 64 ? this.inner : Buffer.concat([this.inner.subarray(0, 64), Buffer.alloc(length)]);
    inner.write(message, 64, 'utf8');
    const innerDigest = oneShotHash('sha256', inner.subarray(0, 64 + length), 'buffer');
    // The outer buffer is reused: its copy of the inner digest is overwritten before every hash.
    innerDigest.copy(this.outer, 64);
    return oneShotHash('sha256', this.outer, 'buffer');
  }
}

/** Derived signing keys by secret and scope: they change once a day, and deriving one costs four HMACs per request. */
const signingKeys = new Map<string, HmacKey>();
/** The last key used, found without building the map's key (one client signs with one scope). */
let lastKey: { secret: string; date: string; region: string; service: string; key: HmacKey } | undefined;

function signingKey(secretAccessKey: string, info: SignatureInfo): HmacKey {
  const last = lastKey;
  if (last && last.secret === secretAccessKey && last.date === info.date && last.region === info.region && last.service === info.service) return last.key;
  const id = `${secretAccessKey}\n${info.date}\n${info.region}\n${info.service}`;
  let key = signingKeys.get(id);
  if (!key) {
    key = new HmacKey(hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, info.date), info.region), info.service), 'aws4_request'));
    if (signingKeys.size >= 1024) signingKeys.clear();
    signingKeys.set(id, key);
  }
  lastKey = { secret: secretAccessKey, date: info.date, region: info.region, service: info.service, key };
  return key;
}

/** A whitespace character other than a space, or two spaces: a header value that needs normalising. */
const UNNORMALISED = /[^\S ]| {2}/;

function canonicalRequest(req: SignedRequest, info: SignatureInfo): string {
  let headers = '';
  for (const h of info.signedHeaders) {
    const v = (header(req.headers, h) ?? '').trim();
    // Values with single spaces only (what SDKs send) are already in canonical form: no replace.
    headers += `${h}:${UNNORMALISED.test(v) ? v.replace(/\s+/g, ' ') : v}\n`;
  }
  // Only S3 takes x-amz-content-sha256 on trust here: its body is streamed and checked against that value
  // as it is read (s3/server/body.ts). Every other service hashes the body it received, so a request
  // whose body was swapped under a signed hash header fails the signature, as on AWS.
  let payloadHash: string;
  if (info.presigned) payloadHash = 'UNSIGNED-PAYLOAD';
  else if (info.service === 's3') payloadHash = header(req.headers, 'x-amz-content-sha256') ?? sha256Hex(req.body);
  else payloadHash = sha256Hex(req.body);
  return `${req.method}\n${canonicalPath(req.path, info.service)}\n${canonicalQuery(req.query, info.presigned)}\n${headers}\n${info.signedHeadersText ?? info.signedHeaders.join(';')}\n${payloadHash}`;
}

/** S3 signs the path as sent; other services normalise and encode each segment twice. */
function canonicalPath(path: string, service: string): string {
  if (!path || path === '/') return '/';
  if (service === 's3') return path;
  const segments = path.split('/').map((s) => encodeRfc3986(safeDecode(s)));
  return segments.map((s) => encodeRfc3986(s)).join('/') || '/';
}

function canonicalQuery(query: string, presigned: boolean): string {
  if (!query) return '';
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = safeDecode((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    const v = eq < 0 ? '' : safeDecode(part.slice(eq + 1).replace(/\+/g, ' '));
    if (presigned && k === 'X-Amz-Signature') continue;
    pairs.push([encodeRfc3986(k), encodeRfc3986(v)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** One-shot hashing (node >= 20.12): no Hash object per call. */
const oneShotHash = (crypto as { hash?: OneShotHash }).hash;

interface OneShotHash {
  (algorithm: string, data: string | Buffer, encoding: 'hex'): string;
  (algorithm: string, data: string | Buffer, encoding: 'buffer'): Buffer;
}

export function sha256Hex(data: string | Buffer): string {
  return oneShotHash ? oneShotHash('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}

export function header(headers: SignedRequest['headers'], name: string): string | undefined {
  // Header names are lower case: a name found as given needs no toLowerCase.
  let v = headers[name];
  if (v === undefined) v = headers[name.toLowerCase()];
  if (Array.isArray(v)) return v.join(',');
  return v;
}
