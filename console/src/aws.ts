import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { RDSClient } from '@aws-sdk/client-rds';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Session } from './session.js';

/**
 * The AWS SDK v3 browser clients, pointed at the Strata that served this page and signing with the
 * signed-in user's credentials: the console calls exactly the APIs any SDK user calls.
 */
export class Api {
  readonly ddb: DynamoDBClient;
  readonly s3: S3Client;
  readonly rds: RDSClient;
  readonly endpoint = location.origin;

  constructor(readonly session: Session) {
    const common = {
      endpoint: this.endpoint,
      region: session.region,
      credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey },
      maxAttempts: 2,
    };
    this.ddb = new DynamoDBClient(common);
    this.s3 = new S3Client({ ...common, forcePathStyle: true });
    this.rds = new RDSClient(common);
  }

  /** A SigV4-signed (service "strata") call to Strata's admin API under /_strata/. */
  async strata<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.endpoint);
    const text = body === undefined ? '' : JSON.stringify(body);
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const signer = new SignatureV4({
      service: 'strata',
      region: this.session.region,
      credentials: { accessKeyId: this.session.accessKeyId, secretAccessKey: this.session.secretAccessKey },
      // The SDK's own SHA-256 (WebCrypto, or a JS fallback outside secure contexts).
      sha256: this.ddb.config.sha256,
    });
    const headers: Record<string, string> = { host: url.host };
    if (method === 'POST') headers['content-type'] = 'application/json';
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers,
      body: text,
    });
    const sent: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) if (k.toLowerCase() !== 'host') sent[k] = String(v);
    const res = await fetch(url, { method, headers: sent, body: method === 'GET' ? undefined : text });
    const raw = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      parsed = { message: raw };
    }
    if (!res.ok) {
      const type = String(parsed.__type ?? 'Error');
      const err = new Error(String(parsed.message ?? parsed.Message ?? res.statusText));
      err.name = type.slice(type.indexOf('#') + 1);
      throw err;
    }
    return parsed as T;
  }

  /** Strata's clock (it can be moved forward, so "now" is the server's, not the browser's). */
  async serverNow(): Promise<number> {
    const c = await this.strata<{ nowMicros: number }>('GET', '/_strata/clock');
    return Math.floor(Number(c.nowMicros) / 1000);
  }

  /** A presigned GET URL (15 minutes) for an object of the embedded store, downloaded as an attachment. */
  presign(bucket: string, key: string): Promise<string> {
    const name = key.slice(key.lastIndexOf('/') + 1) || 'download';
    const cmd = new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: `attachment; filename="${name.replace(/"/g, '')}"` });
    return getSignedUrl(this.s3 as never, cmd as never, { expiresIn: 900 });
  }
}

export interface ErrorLike {
  name: string;
  message: string;
}

export function errorOf(e: unknown): ErrorLike {
  if (e instanceof Error) return { name: e.name || 'Error', message: e.message };
  return { name: 'Error', message: String(e) };
}

export function errorText(e: unknown): string {
  const { name, message } = errorOf(e);
  return message ? `${name}: ${message}` : name;
}

const AUTH_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'AuthFailure',
]);

/** True for the answers that mean "these credentials are not accepted". */
export function isAuthError(e: unknown): boolean {
  return AUTH_ERRORS.has(errorOf(e).name);
}
