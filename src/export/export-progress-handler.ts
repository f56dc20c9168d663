import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../server/auth.js';
import { AwsError } from '../server/errors.js';
import { internalError, readBody, type ProtocolHandler } from '../server/http-server.js';
import { newRequestId, sendJson, sendJsonError } from '../server/json-protocol.js';
import type { JobStore } from '../storage/jobs.js';
import { loadExport } from './export-api.js';
import type { ExportRunner } from './export-runner.js';
import { parseExportArn } from './format/names.js';

export const PROGRESS_PATH = '/_strata/exports/progress';

/**
 * GET /_strata/exports/progress?ExportArn=... — how far a running export is (items written, segments
 * done). AWS has no such call; `strata export --wait` and the console use it for their progress bars.
 * Signed with SigV4 like everything else, and an account only sees its own exports.
 */
export class ExportProgressHandler implements ProtocolHandler {
  readonly name = 'strata-export-progress';

  constructor(private readonly runner: ExportRunner, private readonly jobs: JobStore, private readonly auth: Authenticator) {}

  claims(req: IncomingMessage): boolean {
    return (req.url ?? '').startsWith(PROGRESS_PATH);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    try {
      const body = await readBody(req, 1024);
      const [path, query = ''] = (req.url ?? '/').split('?', 2) as [string, string?];
      const who = this.auth.authenticate({ method: req.method ?? 'GET', path, query, headers: req.headers, body });
      const arn = new URLSearchParams(query).get('ExportArn') ?? '';
      const parsed = parseExportArn(arn);
      if (!parsed) throw new AwsError('ValidationException', `Invalid Export ARN: ${arn}`, 400);
      const state = parsed.account === who.account && parsed.region === who.region ? loadExport(this.jobs, arn) : undefined;
      if (!state) throw new AwsError('ExportNotFoundException', 'The specified export was not found.', 400);
      const p = this.runner.progress(state);
      sendJson(res, 200, { ExportArn: arn, ExportStatus: p.status, ItemsExported: p.itemsExported, ItemsExpected: p.itemsExpected, SegmentsDone: p.segmentsDone, SegmentsTotal: p.segmentsTotal }, requestId);
    } catch (e) {
      sendJsonError(res, e instanceof AwsError ? e : internalError(e), requestId);
    }
  }
}
