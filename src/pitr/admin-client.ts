import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256 / HMAC-SHA-256 in the shape @smithy/signature-v4 expects, over node:crypto. */
export class Sha256 {
  private h!: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.reset();
  }

  update(data: SourceData): void {
    this.h.update(bytes(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }

  reset(): void {
    this.h = this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
}

export interface AdminCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export interface AdminResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Credentials from the usual AWS environment variables, defaulting to Strata's development key. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): AdminCredentials {
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test',
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test',
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
  };
}

/** Sends a SigV4-signed (service "strata") request to Strata's admin API under /_strata/. */
export async function adminRequest(endpoint: string, method: 'GET' | 'POST', path: string, body?: unknown, creds: AdminCredentials = credentialsFromEnv()): Promise<AdminResponse> {
  const url = new URL(path, endpoint);
  const text = body === undefined ? '' : JSON.stringify(body);
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => (query[k] = v));
  const signer = new SignatureV4({
    service: 'strata',
    region: creds.region,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query,
    headers: { host: url.host, 'content-type': 'application/json' },
    body: text,
  });
  const res = await fetch(url, { method, headers: signed.headers as Record<string, string>, body: method === 'GET' ? undefined : text });
  const raw = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } catch {
    parsed = { message: raw };
  }
  return { status: res.status, body: parsed };
}
