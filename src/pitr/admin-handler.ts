import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../server/auth.js';
import { AwsError } from '../server/errors.js';
import { internalError, readBody, type ProtocolHandler } from '../server/http-server.js';
import { newRequestId, sendJson, sendJsonError } from '../server/json-protocol.js';
import type { PitrService } from './pitr-service.js';

export const ADMIN_PREFIX = '/_strata/';

/** Ten years: generous for demos, small enough that a typo cannot throw the clock past the year 9999. */
const MAX_ADVANCE_SECONDS = 10 * 366 * 24 * 3600;

export interface AdminOptions {
  /** Whether POST /_strata/clock/advance is allowed (--time-travel). */
  timeTravel: boolean;
  /** Runs one TTL sweep now; returns how many items expired. */
  sweepTtl: () => number;
}

function adminError(code: string, message: string, status = 400): AwsError {
  return new AwsError(code, message, status, {}, 'strata');
}

/**
 * Strata's own admin API on the same port, under /_strata/ (no AWS service claims that prefix), signed
 * with SigV4 like every other request (any service name; the CLI and tests use "strata"):
 *
 *   GET  /_strata/clock                      {now, nowMicros, offsetSeconds, pitrLagSeconds}
 *   POST /_strata/clock/advance {seconds}    time travel: moves the clock forward (never back)
 *   GET  /_strata/pitr/storage?TableName=T   version rows and bytes of a table's history
 *   POST /_strata/pitr/compact               runs retention to completion now
 *   POST /_strata/ttl/sweep                  runs the TTL sweep now
 *
 * The clock is the server's, shared by every account. "now" is a fenced instant: reading it as of that
 * time (a restore, an export) gives the same answer forever after.
 */
export class AdminHandler implements ProtocolHandler {
  readonly name = 'strata-admin';

  constructor(
    private readonly pitr: PitrService,
    private readonly auth: Authenticator,
    private readonly opts: AdminOptions,
  ) {}

  claims(req: IncomingMessage): boolean {
    return (req.url ?? '').startsWith(ADMIN_PREFIX);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    try {
      const body = await readBody(req, 64 * 1024);
      const [path, query = ''] = (req.url ?? '/').split('?', 2) as [string, string?];
      const principal = this.auth.authenticate({ method: req.method ?? 'GET', path, query, headers: req.headers, body });
      const out = this.route(req.method ?? 'GET', path, new URLSearchParams(query), body, principal);
      sendJson(res, 200, out, requestId);
    } catch (e) {
      sendJsonError(res, e instanceof AwsError ? e : internalError(e), requestId);
    }
  }

  private route(method: string, path: string, query: URLSearchParams, body: Buffer, who: { account: string; region: string }): unknown {
    const key = `${method} ${path.replace(/\/+$/, '')}`;
    switch (key) {
      case 'GET /_strata/clock':
        return this.clock();
      case 'POST /_strata/clock/advance':
        return this.advance(body);
      case 'GET /_strata/pitr/storage':
        return this.storage(query, who);
      case 'POST /_strata/pitr/compact': {
        const totals = this.pitr.retention.runToCompletion();
        return { Examined: totals.examined, Deleted: totals.deleted, DatabaseBytes: this.pitr.svc.store.databaseBytes() };
      }
      case 'POST /_strata/ttl/sweep':
        return { Expired: this.opts.sweepTtl() };
      default:
        throw adminError('NotFound', `No admin resource ${method} ${path}`, 404);
    }
  }

  private clock(): Record<string, unknown> {
    const clock = this.pitr.svc.clock;
    const nowMicros = this.pitr.fencedNow();
    return { now: nowMicros / 1_000_000, nowMicros, offsetSeconds: clock.offsetSeconds(), pitrLagSeconds: this.pitr.lagSeconds };
  }

  private advance(body: Buffer): Record<string, unknown> {
    if (!this.opts.timeTravel) throw adminError('AccessDeniedException', 'Time travel is disabled on this server (--time-travel false)', 403);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      throw adminError('SerializationException', 'The body must be JSON: {"seconds": N}');
    }
    const seconds = (parsed as { seconds?: unknown } | null)?.seconds;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_ADVANCE_SECONDS) {
      throw adminError('ValidationException', `seconds must be a number from 0 to ${MAX_ADVANCE_SECONDS} (the clock only moves forward)`);
    }
    this.pitr.advanceClock(seconds);
    return this.clock();
  }

  private storage(query: URLSearchParams, who: { account: string; region: string }): Record<string, unknown> {
    const name = query.get('TableName');
    if (!name) throw adminError('ValidationException', 'TableName is required');
    const store = this.pitr.svc.store;
    const t = store.getTable(who.account, who.region, name);
    if (!t) throw adminError('ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`);
    const versions = store.versionStats(t.uid);
    const live = store.tableStats(t.uid);
    return {
      TableName: name,
      VersionCount: versions.versions,
      VersionBytes: versions.bytes,
      ItemCount: live.itemCount,
      TableSizeBytes: live.sizeBytes,
      DatabaseBytes: store.databaseBytes(),
    };
  }
}
