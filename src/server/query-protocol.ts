/**
 * The AWS Query protocol (RDS): form-encoded `Action=...&Version=...` (POST body or GET query string), list
 * members as `Name.member.N`, structures as `Name.Field`, answered with XML in the service's namespace:
 * `<{Action}Response><{Action}Result>...</{Action}Result><ResponseMetadata><RequestId/></ResponseMetadata>`,
 * errors as `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>` with the
 * fault's HTTP status.
 *
 * It claims requests on `/` whose SigV4 credential scope names one of its services (so S3 requests, which
 * are scoped to `s3`, are never taken), plus unsigned form posts and `?Action=` GETs on `/`, which the
 * S3 store leaves alone, so they get Query-style errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Authenticator, Principal } from './auth.js';
import { AwsError } from './errors.js';
import { internalError, readBody, type ProtocolHandler } from './http-server.js';
import type { RequestContext } from './request-context.js';
import { parseSignature } from './sigv4.js';

/** An XML element: `[name, value]`; arrays nest, null/undefined are left out, Dates are ISO 8601 (ms, UTC). */
export type XmlValue = string | number | boolean | Date | null | undefined | XmlNode[];
export type XmlNode = [name: string, value: XmlValue];

export type QueryOperation = (rc: RequestContext, params: QueryParams) => Promise<XmlNode[]> | XmlNode[];

export interface QueryService {
  /** SigV4 signing name (`rds`). */
  signingName: string;
  version: string;
  namespace: string;
  operations: Map<string, QueryOperation>;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
    }
  });
}

export function renderXml(nodes: XmlNode[]): string {
  let out = '';
  for (const [name, value] of nodes) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) out += `<${name}>${renderXml(value)}</${name}>`;
    else {
      const text = value instanceof Date ? value.toISOString() : escapeXml(String(value));
      out += `<${name}>${text}</${name}>`;
    }
  }
  return out;
}

/** A list member-wrapped: `<Name><member>..</member>...</Name>` (or another member name). */
export function xmlList(items: XmlValue[], member = 'member'): XmlNode[] {
  return items.map((v) => [member, v] as XmlNode);
}

/** Decoded Query parameters with AWS's serialisation rules for lists and structures. */
export class QueryParams {
  constructor(readonly raw: URLSearchParams) {}

  string(name: string): string | undefined {
    const v = this.raw.get(name);
    return v === null ? undefined : v;
  }

  has(name: string): boolean {
    return this.raw.has(name);
  }

  int(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined || v === '') return undefined;
    if (!/^-?\d+$/.test(v.trim())) throw new AwsError('InvalidParameterValue', `Invalid value for parameter ${name}: "${v}" is not an integer`, 400);
    return Number(v);
  }

  bool(name: string): boolean | undefined {
    const v = this.string(name);
    if (v === undefined || v === '') return undefined;
    if (!/^(true|false)$/i.test(v)) throw new AwsError('InvalidParameterValue', `Invalid value for parameter ${name}: "${v}" is not a boolean`, 400);
    return v.toLowerCase() === 'true';
  }

  /** `Name.member.1`, `Name.member.2`, ... (an empty list is sent as `Name=`); undefined when absent. */
  list(name: string, member = 'member'): string[] | undefined {
    const out: string[] = [];
    for (let i = 1; ; i++) {
      const v = this.raw.get(`${name}.${member}.${i}`);
      if (v === null) break;
      out.push(v);
    }
    if (out.length === 0 && !this.raw.has(name)) return undefined;
    return out;
  }

  /** `Filters.Filter.N.Name` + `Filters.Filter.N.Values.Value.M`. */
  filters(name = 'Filters'): { Name: string; Values: string[] }[] | undefined {
    const out: { Name: string; Values: string[] }[] = [];
    for (let i = 1; ; i++) {
      const n = this.raw.get(`${name}.Filter.${i}.Name`);
      if (n === null) break;
      out.push({ Name: n, Values: this.list(`${name}.Filter.${i}.Values`, 'Value') ?? [] });
    }
    if (out.length === 0 && !this.raw.has(name)) return undefined;
    return out;
  }

  /** `Tags.Tag.N.Key` + `Tags.Tag.N.Value`. */
  tags(name = 'Tags'): { Key: string; Value: string }[] {
    const out: { Key: string; Value: string }[] = [];
    for (let i = 1; ; i++) {
      const k = this.raw.get(`${name}.Tag.${i}.Key`);
      if (k === null) break;
      out.push({ Key: k, Value: this.raw.get(`${name}.Tag.${i}.Value`) ?? '' });
    }
    return out;
  }
}

const FORM = 'application/x-www-form-urlencoded';

export class QueryProtocolHandler implements ProtocolHandler {
  readonly name = 'query';
  private readonly byName: Map<string, QueryService>;

  constructor(private readonly auth: Authenticator, services: QueryService[]) {
    this.byName = new Map(services.map((s) => [s.signingName, s]));
  }

  claims(req: IncomingMessage): boolean {
    if (req.headers['x-amz-target'] !== undefined) return false;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path !== '/') return false;
    const scope = /Credential=[^/,\s]+\/\d{8}\/[^/,\s]+\/([^/,\s]+)\/aws4_request/.exec(String(req.headers.authorization ?? ''));
    if (scope) return this.byName.has(scope[1]!);
    const query = q < 0 ? '' : url.slice(q + 1);
    if (req.method === 'POST') return String(req.headers['content-type'] ?? '').toLowerCase().startsWith(FORM) && query === '';
    return req.method === 'GET' && /(^|&)Action=/.test(query);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let service = this.byName.values().next().value as QueryService;
    try {
      const body = await readBody(req, 1024 * 1024);
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const query = q < 0 ? '' : url.slice(q + 1);
      const params = new URLSearchParams(query);
      if (req.method === 'POST') for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.append(k, v);
      const principal = this.authenticate({ method: req.method ?? 'POST', path, query, headers: req.headers, body });
      service = this.byName.get(principal.service) ?? service;
      if (principal.service !== service.signingName) {
        throw new AwsError('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${service.signingName}'. `, 403);
      }
      const action = params.get('Action');
      if (!action) throw new AwsError('MissingAction', 'The request must contain the parameter Action', 400);
      const version = params.get('Version');
      if (!version) throw new AwsError('MissingParameter', 'The request must contain the parameter Version', 400);
      if (version !== service.version) throw new AwsError('NoSuchVersion', `The requested version (${version}) of service ${service.signingName} does not exist`, 400);
      const op = service.operations.get(action);
      if (!op) throw new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`, 400);
      const result = await op({ account: principal.account, region: principal.region, accessKeyId: principal.accessKeyId, requestId }, new QueryParams(params));
      const xml =
        `<${action}Response xmlns="${service.namespace}"><${action}Result>${renderXml(result)}</${action}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
      send(res, 200, xml, requestId);
    } catch (e) {
      const err = e instanceof AwsError ? e : internalError(e);
      const type = err.status >= 500 ? 'Receiver' : 'Sender';
      const xml =
        `<ErrorResponse xmlns="${service.namespace}"><Error><Type>${type}</Type><Code>${escapeXml(err.code)}</Code>` +
        `<Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
      send(res, err.status, xml, requestId);
    }
  }

  /** SigV4 with the Query services' error names. */
  private authenticate(req: Parameters<Authenticator['authenticate']>[0]): Principal & { service: string } {
    try {
      const principal = this.auth.authenticate(req);
      return { ...principal, service: parseSignature(req).service };
    } catch (e) {
      if (!(e instanceof AwsError)) throw e;
      switch (e.code) {
        case 'MissingAuthenticationTokenException':
          throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
        case 'UnrecognizedClientException':
          throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
        case 'InvalidSignatureException':
          throw new AwsError('SignatureDoesNotMatch', e.message, 403);
        case 'IncompleteSignatureException':
          throw new AwsError('IncompleteSignature', e.message, 400);
        default:
          throw e;
      }
    }
  }
}

function send(res: ServerResponse, status: number, xml: string, requestId: string): void {
  const body = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`, 'utf8');
  res.writeHead(status, { 'Content-Type': 'text/xml', 'Content-Length': body.length, 'x-amzn-RequestId': requestId });
  res.end(body);
}
