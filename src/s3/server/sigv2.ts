import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Authenticator, Principal } from '../../server/auth.js';
import { DEFAULT_ACCOUNT } from '../../server/auth.js';
import { S3Error, accessDenied } from './errors.js';

/**
 * S3's legacy signature version 2 (HMAC-SHA1), still produced by `aws s3 presign` and boto3's
 * generate_presigned_url unless s3v4 is configured: query authentication (AWSAccessKeyId, Expires,
 * Signature) and the "Authorization: AWS <key>:<signature>" header.
 */

/** Sub-resources that are part of the v2 canonical resource. */
const SUBRESOURCES = new Set([
  'acl',
  'cors',
  'delete',
  'lifecycle',
  'location',
  'logging',
  'notification',
  'partNumber',
  'policy',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
  'encryption',
  'replication',
  'object-lock',
  'retention',
  'legal-hold',
]);

export interface V2Request {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

/** True when the request carries v2 credentials (header or query). */
export function isSigV2(req: V2Request): boolean {
  const auth = one(req.headers.authorization);
  if (auth !== undefined) return /^AWS [^:\s]+:/.test(auth);
  const q = new URLSearchParams(req.rawQuery);
  return q.has('AWSAccessKeyId') && q.has('Signature');
}

function stringToSign(req: V2Request, dateOrExpires: string): string {
  const h = req.headers;
  const amz: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(h)) {
    if (!name.startsWith('x-amz-') || value === undefined) continue;
    amz.push([name, (Array.isArray(value) ? value.join(',') : value).trim()]);
  }
  amz.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let resource = req.rawPath || '/';
  const subs: Array<[string, string | null]> = [];
  for (const part of req.rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    if (!SUBRESOURCES.has(k)) continue;
    subs.push([k, eq < 0 ? null : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '))]);
  }
  if (subs.length > 0) {
    subs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    resource += '?' + subs.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join('&');
  }
  return [req.method, one(h['content-md5']) ?? '', one(h['content-type']) ?? '', dateOrExpires, ...amz.map(([k, v]) => `${k}:${v}`), resource].join('\n');
}

const signatureDoesNotMatch = (accessKeyId: string): S3Error =>
  new S3Error(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    403,
    [['AWSAccessKeyId', accessKeyId]],
  );

/** Verifies a v2-signed request against the authenticator's keys (permissive mode accepts unknown keys). */
export function authenticateV2(auth: Authenticator, req: V2Request, nowMs: number): Principal {
  const header = one(req.headers.authorization);
  let accessKeyId: string;
  let signature: string;
  let dateOrExpires: string;
  if (header !== undefined) {
    const m = /^AWS ([^:\s]+):(\S+)$/.exec(header.trim());
    if (!m) throw new S3Error('InvalidArgument', 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature', 400);
    accessKeyId = m[1]!;
    signature = m[2]!;
    const date = one(req.headers['x-amz-date']) !== undefined ? '' : (one(req.headers.date) ?? '');
    const t = Date.parse(one(req.headers['x-amz-date']) ?? one(req.headers.date) ?? '');
    if (Number.isNaN(t)) throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');
    if (Math.abs(t - nowMs) > 15 * 60 * 1000) {
      throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', 403, [
        ['MaxAllowedSkewMilliseconds', '900000'],
      ]);
    }
    dateOrExpires = date;
  } else {
    const q = new URLSearchParams(req.rawQuery);
    accessKeyId = q.get('AWSAccessKeyId') ?? '';
    signature = q.get('Signature') ?? '';
    dateOrExpires = q.get('Expires') ?? '';
    const expires = Number(dateOrExpires);
    if (!/^\d+$/.test(dateOrExpires)) throw accessDenied('Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
    if (expires * 1000 < nowMs) throw accessDenied('Request has expired');
  }
  const cred = auth.credential(accessKeyId);
  if (!cred) {
    if (!auth.permissive) {
      throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403, [['AWSAccessKeyId', accessKeyId]]);
    }
    return { account: /^\d{12}$/.test(accessKeyId) ? accessKeyId : DEFAULT_ACCOUNT, region: 'us-east-1', accessKeyId };
  }
  const expected = createHmac('sha1', cred.secretAccessKey).update(stringToSign(req, dateOrExpires), 'utf8').digest();
  const given = Buffer.from(signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw signatureDoesNotMatch(accessKeyId);
  return { account: cred.account, region: 'us-east-1', accessKeyId };
}
