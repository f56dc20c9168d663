/**
 * StartExportTask / DescribeExportTasks / CancelExportTask and the runner that writes an export:
 * data parts first, then export_tables_info_*.json, then export_info_<id>.json, and only then COMPLETE.
 *
 * A snapshot source is exported from the Parquet parts the snapshot keeps (ExportOnly picks tables);
 * a cluster source is read live, from one consistent transaction opened before StartExportTask returns.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { SinkFailure, type S3Sink } from '../s3/sink.js';
import { AwsError } from '../server/errors.js';
import type { QueryParams, XmlNode } from '../server/query-protocol.js';
import type { RequestContext } from '../server/request-context.js';
import type { RdsContext } from './context.js';
import { copyTables, CopyCancelled, percentOf } from './copy.js';
import { fault, invalidParameterValue, missingParameter } from './errors.js';
import {
  exportBase, exportInfo, exportInfoKey, partKey, selectTables, skippedInScope, successKeys, tableRecord, tablesInfoFiles, warningMessage, type TableRecord,
} from './export-layout.js';
import { exportTaskXml } from './shapes.js';
import { loadSnapshot, maxRecords, paginate, readManifest, snapshotDir } from './snapshots.js';
import type { ReadSession } from './sources/source.js';
import { EXPORT_TASK_JOB, listJobStates, loadJob, parseRdsArn, saveJob, type ExportStatus, type ExportTaskState } from './state.js';
import type { Engine } from './types.js';

const GB = 1024 ** 3;
/** How often a running task's progress is written to the job store (what DescribeExportTasks reads). */
const PROGRESS_SAVE_MS = 250;
const TERMINAL: ExportStatus[] = ['COMPLETE', 'FAILED', 'CANCELED'];

function save(ctx: RdsContext, account: string, region: string, t: ExportTaskState): void {
  saveJob(ctx.jobs, EXPORT_TASK_JOB, account, region, t.ExportTaskIdentifier, t.SourceArn, t.createdAt, t);
}

/** Runs export tasks in the background, `maxRunningExports` at a time (the others wait in STARTING). */
export class ExportTaskRunner {
  private readonly queue: { key: string; task: ExportTaskState; account: string; region: string; session?: ReadSession }[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private readonly waiters = new Map<string, Promise<void>>();
  private readonly cancels = new Set<string>();
  private readonly doneResolvers = new Map<string, () => void>();
  private stopping = false;

  constructor(private readonly ctx: RdsContext) {}

  start(task: ExportTaskState, account: string, region: string, session?: ReadSession): void {
    const key = `${account}:${region}:${task.ExportTaskIdentifier}`;
    let resolve!: () => void;
    this.waiters.set(key, new Promise<void>((r) => (resolve = r)));
    this.doneResolvers.set(key, resolve);
    this.queue.push({ key, task, account, region, session });
    this.pump();
  }

  /** Resolves when the task has reached a terminal state (tests, `--wait`). */
  whenDone(account: string, region: string, id: string): Promise<void> | undefined {
    return this.waiters.get(`${account}:${region}:${id}`);
  }

  cancel(account: string, region: string, task: ExportTaskState): void {
    const key = `${account}:${region}:${task.ExportTaskIdentifier}`;
    const queued = this.queue.findIndex((q) => q.key === key);
    if (queued >= 0) {
      const [q] = this.queue.splice(queued, 1);
      setImmediate(() => {
        void q!.session?.close();
        this.finish(q!.task, q!.account, q!.region, 'CANCELED');
        this.settle(key);
      });
    } else this.cancels.add(key);
  }

  /** After a restart: snapshot exports start again from the top; live-cluster exports lost their transaction. */
  recover(): void {
    const jobs = this.ctx.jobs.unfinishedJobs(EXPORT_TASK_JOB, (s) => !TERMINAL.includes((JSON.parse(s) as ExportTaskState).Status));
    for (const j of jobs) {
      const t = JSON.parse(j.state) as ExportTaskState;
      if (t.Status === 'CANCELING') this.finish(t, j.account, j.region, 'CANCELED');
      else if (t.source.type === 'cluster') {
        t.FailureCause = 'An unknown internal error occurred. (Strata restarted while exporting from the live cluster, whose consistent transaction is gone; start a new export.)';
        this.finish(t, j.account, j.region, 'FAILED');
      } else {
        Object.assign(t, { Status: 'STARTING', PercentProgress: 0, extractedBytes: 0 });
        save(this.ctx, j.account, j.region, t);
        this.start(t, j.account, j.region);
      }
    }
  }

  async stop(graceMs = 2000): Promise<void> {
    this.stopping = true;
    for (const q of this.queue.splice(0)) await q.session?.close().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.running.values()]), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }

  private pump(): void {
    while (!this.stopping && this.running.size < this.ctx.options.maxRunningExports && this.queue.length > 0) {
      const q = this.queue.shift()!;
      const p = this.run(q.task, q.account, q.region, q.session, q.key).finally(() => {
        this.running.delete(q.key);
        this.cancels.delete(q.key);
        this.settle(q.key);
        this.pump();
      });
      this.running.set(q.key, p);
    }
  }

  private settle(key: string): void {
    this.doneResolvers.get(key)?.();
    this.doneResolvers.delete(key);
  }

  private finish(t: ExportTaskState, account: string, region: string, status: ExportStatus): void {
    t.Status = status;
    t.TaskEndTime = Date.now();
    save(this.ctx, account, region, t);
  }

  private async run(t: ExportTaskState, account: string, region: string, session: ReadSession | undefined, key: string): Promise<void> {
    const { ctx } = this;
    const cancelled = (): boolean => this.cancels.has(key) || this.stopping;
    let sink: S3Sink | undefined;
    let lastSave = 0;
    const persist = (): void => {
      if (this.cancels.has(key) && !TERMINAL.includes(t.Status)) t.Status = 'CANCELING';
      save(ctx, account, region, t);
    };
    /** Bytes of values exported so far, and the share of the export done (0..1). */
    const progress = (extracted: number, fraction: number): void => {
      t.extractedBytes = extracted;
      t.TotalExtractedDataInGB = Math.floor(extracted / GB);
      t.PercentProgress = Math.max(t.PercentProgress, percentOf(fraction));
      if (Date.now() - lastSave > PROGRESS_SAVE_MS) {
        lastSave = Date.now();
        persist();
      }
    };
    try {
      sink = ctx.sinkFor(t, account);
      try {
        await sink.headBucket();
      } catch (e) {
        throw new ExportFailure(bucketCause(t, e));
      }
      if (cancelled()) throw new CopyCancelled();
      t.Status = 'IN_PROGRESS';
      t.TaskStartTime = Date.now();
      persist();
      const base = exportBase(t);
      let records: TableRecord[];
      let skipped;
      if (t.source.type === 'cluster') {
        const listing = await session!.list();
        const { selected, unmatched } = selectTables(listing.tables, t.ExportOnly, t.engine);
        skipped = skippedInScope(listing.skipped, t.ExportOnly);
        t.WarningMessage = warningMessage(skipped, unmatched);
        const s = sink;
        const copied = await copyTables(session!, selected, {
          maxPartBytes: ctx.options.maxPartBytes,
          chunkDelayMs: ctx.options.chunkDelayMs,
          encoder: ctx.encoder,
          cancelled,
          target: async (spec, part, body) => {
            await s.upload(partKey(base, spec, part.batch, part.index), body, 'application/octet-stream');
          },
          onProgress: (p) => progress(p.bytes, p.fraction),
        });
        records = copied.map(tableRecord);
        t.WarningMessage = warningMessage(skipped, unmatched, records, t.engine);
      } else {
        const manifest = await readManifest(ctx, t.source.uid!);
        const { selected, unmatched } = selectTables(manifest.tables.map((x) => x.spec), t.ExportOnly, t.engine);
        skipped = skippedInScope(manifest.skipped, t.ExportOnly);
        t.WarningMessage = warningMessage(skipped, unmatched);
        const chosen = manifest.tables.filter((x) => selected.includes(x.spec));
        t.WarningMessage = warningMessage(skipped, unmatched, chosen, t.engine);
        // The snapshot knows exactly how much it holds: progress is the values' bytes in the file bytes uploaded.
        const total = chosen.reduce((n, x) => n + x.rawBytes, 0);
        let extracted = 0;
        for (const table of chosen) {
          for (const f of table.files) {
            if (cancelled()) throw new CopyCancelled();
            const before = extracted;
            const body = countBytes(createReadStream(join(snapshotDir(ctx, t.source.uid!), f.file)), (sent) => {
              extracted = before + (f.bytes > 0 ? Math.floor((f.rawBytes * Math.min(sent, f.bytes)) / f.bytes) : 0);
              progress(extracted, extracted / Math.max(1, total));
            });
            await sink.upload(partKey(base, table.spec, f.batch ?? 1, f.index), body, 'application/octet-stream');
            extracted = before + f.rawBytes;
            progress(extracted, extracted / Math.max(1, total));
            if (ctx.options.chunkDelayMs) await new Promise((r) => setTimeout(r, ctx.options.chunkDelayMs));
          }
        }
        records = chosen;
      }
      if (cancelled()) throw new CopyCancelled();
      for (const r of records) {
        for (const key of successKeys(base, r.spec, r.batches ?? (r.rows > 0 ? [1] : []))) await sink.putObject(key, '', 'application/octet-stream');
      }
      for (const f of tablesInfoFiles(base, t, t.engine, records, skipped)) await sink.putObject(f.key, f.body, 'application/json');
      t.Status = 'COMPLETE';
      t.PercentProgress = 100;
      t.TaskEndTime = Date.now();
      t.extractedBytes = records.reduce((n, r) => n + r.rawBytes, 0);
      t.TotalExtractedDataInGB = Math.floor(t.extractedBytes / GB);
      await sink.putObject(exportInfoKey(base, t.ExportTaskIdentifier), exportInfo(base, t), 'application/json');
      save(ctx, account, region, t);
    } catch (e) {
      if (e instanceof CopyCancelled || this.cancels.has(key)) {
        if (this.stopping && !this.cancels.has(key)) return; // resumed (or failed) by recover() on the next start
        t.Status = 'CANCELED';
      } else {
        if (this.stopping) return;
        t.Status = 'FAILED';
        t.FailureCause = failureCause(t, e);
      }
      t.TaskEndTime = Date.now();
      save(ctx, account, region, t);
    } finally {
      sink?.destroy();
      await session?.close().catch(() => undefined);
    }
  }
}

class ExportFailure extends Error {}

/** `body` unchanged, reporting the bytes read from it so far. */
function countBytes(body: Readable, onBytes: (n: number) => void): Readable {
  let n = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      onBytes(n);
      cb(null, chunk);
    },
  });
  body.once('error', (e) => counted.destroy(e));
  return body.pipe(counted);
}

function bucketCause(t: ExportTaskState, e: unknown): string {
  if (e instanceof SinkFailure && e.failureCode === 'S3AccessDenied') return 'S3 credential check failed. Check the permissions on your S3 bucket and IAM policy.';
  if (e instanceof SinkFailure && e.failureCode === 'S3NoSuchBucket') {
    return `The S3 bucket ${t.S3Bucket} isn't valid. Either it isn't located in the current AWS Region or it doesn't exist. Review your S3 bucket name and retry the export.`;
  }
  return `An unknown internal error occurred writing the export task's metadata to the S3 bucket ${t.S3Bucket}. (${e instanceof Error ? e.message : String(e)})`;
}

function failureCause(t: ExportTaskState, e: unknown): string {
  if (e instanceof ExportFailure) return e.message;
  if (e instanceof SinkFailure) {
    if (e.failureCode === 'S3AccessDenied') return `The IAM role ${t.IamRoleArn} isn't authorized to call s3:PutObject on the S3 bucket ${t.S3Bucket}. Review your permissions and retry the export.`;
    if (e.failureCode === 'S3NoSuchBucket') return bucketCause(t, e);
  }
  return `An unknown internal error occurred. (${e instanceof Error ? e.message : String(e)})`;
}

// ---- operations ----

const ID_MESSAGE =
  'The parameter ExportTaskIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.';

function required(p: QueryParams, name: string): string {
  const v = p.string(name);
  if (v === undefined || v === '') throw missingParameter(name);
  return v;
}

/** S3 bucket naming rules (3-63 lower-case letters, digits, dots and hyphens; letters or digits at both ends). */
function validBucketName(b: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b) && !b.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(b);
}

/**
 * Strata has no IAM: a role is "found" when it is a role ARN of the caller's account; AWS service-linked roles
 * (`role/aws-service-role/...`) trust only their own service, so export.rds.amazonaws.com cannot assume them.
 */
function checkRole(arn: string, account: string): void {
  const m = /^arn:aws:iam::(\d{12}):role\/([\w+=,.@/-]{1,512})$/.exec(arn);
  if (!m || m[1] !== account) throw fault('IamRoleNotFound', `IAM role ${arn} not found.`, 404);
  if (m[2]!.startsWith('aws-service-role/')) {
    throw fault('IamRoleMissingPermissions', `The IAM role ${arn} is a service-linked role; export.rds.amazonaws.com can't assume it to write to Amazon S3.`);
  }
}

/** Strata has no KMS: a key is accessible when it is a key id, alias name, or key/alias ARN of the caller's account and region. */
function checkKmsKey(id: string, account: string, region: string): void {
  const keyId = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/i;
  const alias = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;
  const arn = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):(key\/.+|alias\/.+)$/.exec(id);
  const ok = arn ? arn[1] === region && arn[2] === account && (keyId.test(arn[3]!.slice(4)) || alias.test(arn[3]!)) : keyId.test(id) || (alias.test(id) && !id.startsWith('alias/aws/'));
  if (!ok) throw fault('KMSKeyNotAccessibleFault', `The specified KMS key ${id} doesn't exist or isn't accessible in ${region} for account ${account}.`);
}

/** ExportOnly: `database[.schema[.table]]` (PostgreSQL) or `database[.table]` (MySQL/MariaDB), Latin letters, digits, `$`, `_`. */
function checkExportOnly(list: string[] | undefined, engine: Engine): void {
  if (!list) return;
  if (Buffer.byteLength(list.join(''), 'utf8') > 200 * 1024) throw fault('InvalidExportOnly', 'The ExportOnly list is longer than 200 KB.');
  for (const e of list) {
    const parts = e.split('.');
    const max = engine === 'postgres' ? 3 : 2;
    if (parts.some((x) => !/^[A-Za-z0-9$_]+$/.test(x))) {
      throw fault('InvalidExportOnly', `The ExportOnly value "${e}" is invalid. Names must contain only Latin letters, digits, $ and _.`);
    }
    if (parts.length > max) {
      const forms = engine === 'postgres' ? 'database, database.schema or database.schema.table' : 'database or database.table';
      throw fault('InvalidExportOnly', `The ExportOnly value "${e}" is invalid for a ${engine} source: use ${forms}.`);
    }
  }
}

export async function startExportTask(ctx: RdsContext, runner: ExportTaskRunner, rc: RequestContext, p: QueryParams): Promise<XmlNode[]> {
  const id = required(p, 'ExportTaskIdentifier');
  const sourceArn = required(p, 'SourceArn');
  const bucket = required(p, 'S3BucketName');
  const role = required(p, 'IamRoleArn');
  const kms = required(p, 'KmsKeyId');
  const prefix = p.string('S3Prefix') ?? '';
  const exportOnly = p.list('ExportOnly');
  if (id.length > 60 || !/^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$/.test(id)) throw invalidParameterValue(ID_MESSAGE);
  const taskId = id.toLowerCase();
  if (loadJob(ctx.jobs, EXPORT_TASK_JOB, rc.account, rc.region, taskId)) throw fault('ExportTaskAlreadyExists', `The export task with the ID ${taskId} already exists.`);
  const arn = parseRdsArn(sourceArn);
  if (!arn || !['snapshot', 'cluster-snapshot', 'cluster'].includes(arn.resourceType)) {
    throw invalidParameterValue(`The source ARN ${sourceArn} isn't valid: use the ARN of a DB snapshot, a DB cluster snapshot or a DB cluster.`);
  }
  const here = arn.region === rc.region && arn.account === rc.account;
  let engine: Engine;
  let snapshotTime: number;
  let source: ExportTaskState['source'];
  let session: ReadSession | undefined;
  if (arn.resourceType === 'cluster') {
    const cluster = here ? ctx.sources.get('cluster', arn.name) : undefined;
    if (!cluster) throw fault('DBClusterNotFoundFault', `DBCluster ${arn.name} not found.`, 404);
    engine = (await cluster.engine()).engine;
    source = { type: 'cluster', id: cluster.def.id };
    snapshotTime = 0;
  } else {
    const kind = arn.resourceType === 'snapshot' ? 'db' : 'cluster';
    const snap = here ? loadSnapshot(ctx, kind, rc.account, rc.region, arn.name) : undefined;
    if (!snap) {
      throw kind === 'db'
        ? fault('DBSnapshotNotFound', `Could not find snapshot with name ${arn.name}`, 404)
        : fault('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${arn.name} not found.`, 404);
    }
    if (snap.status !== 'available') throw fault('InvalidExportSourceState', `Export source should be 'available' but current status is ${snap.status}.`);
    engine = snap.engine;
    snapshotTime = snap.createTime;
    source = { type: kind === 'db' ? 'snapshot' : 'cluster-snapshot', id: snap.identifier, uid: snap.uid };
  }
  if (!validBucketName(bucket)) throw fault('InvalidS3BucketFault', `The S3 bucket name ${bucket} isn't valid.`);
  checkRole(role, rc.account);
  checkKmsKey(kms, rc.account, rc.region);
  if (prefix.includes(':')) throw invalidParameterValue(`The S3Prefix ${prefix} isn't valid: it can't contain ':'.`);
  checkExportOnly(exportOnly, engine);
  if (source.type === 'cluster') {
    try {
      session = await ctx.sources.get('cluster', source.id)!.driver.open({ maxReaders: ctx.options.maxReaders });
    } catch (e) {
      throw fault('InvalidExportSourceState', `DB cluster ${source.id} is not available: ${e instanceof Error ? e.message : String(e)}`);
    }
    snapshotTime = session.snapshotTime;
    engine = session.engine;
  }
  const task: ExportTaskState = {
    ExportTaskIdentifier: taskId,
    SourceArn: sourceArn,
    ...(exportOnly && exportOnly.length > 0 ? { ExportOnly: exportOnly } : {}),
    SnapshotTime: snapshotTime,
    S3Bucket: bucket,
    S3Prefix: prefix,
    IamRoleArn: role,
    KmsKeyId: kms,
    Status: 'STARTING',
    PercentProgress: 0,
    TotalExtractedDataInGB: 0,
    SourceType: source.type === 'cluster' ? 'CLUSTER' : 'SNAPSHOT',
    source,
    engine,
    accessKeyId: rc.accessKeyId,
    createdAt: Date.now(),
    extractedBytes: 0,
  };
  save(ctx, rc.account, rc.region, task);
  runner.start(task, rc.account, rc.region, session);
  return exportTaskXml(task, { prefixAlways: false });
}

export function describeExportTasks(ctx: RdsContext, rc: RequestContext, p: QueryParams): XmlNode[] {
  const max = maxRecords(p);
  let list = listJobStates<ExportTaskState>(ctx.jobs, EXPORT_TASK_JOB, rc.account, rc.region);
  const id = p.string('ExportTaskIdentifier');
  if (id) list = list.filter((t) => t.ExportTaskIdentifier === id.toLowerCase());
  const sourceArn = p.string('SourceArn');
  if (sourceArn) list = list.filter((t) => t.SourceArn === sourceArn);
  const sourceType = p.string('SourceType');
  if (sourceType) {
    if (sourceType !== 'SNAPSHOT' && sourceType !== 'CLUSTER') throw invalidParameterValue(`Invalid value ${sourceType} for SourceType. Must be SNAPSHOT or CLUSTER`);
    list = list.filter((t) => t.SourceType === sourceType);
  }
  for (const f of p.filters() ?? []) {
    const get: Record<string, (t: ExportTaskState) => string> = {
      'export-task-identifier': (t) => t.ExportTaskIdentifier,
      's3-bucket': (t) => t.S3Bucket,
      'source-arn': (t) => t.SourceArn,
      status: (t) => t.Status.toLowerCase(),
    };
    const pick = get[f.Name];
    if (!pick) throw invalidParameterValue(`Unrecognized filter name: ${f.Name}`);
    list = list.filter((t) => f.Values.includes(pick(t)));
  }
  list.sort((a, b) => a.createdAt - b.createdAt || a.ExportTaskIdentifier.localeCompare(b.ExportTaskIdentifier));
  const { page, marker } = paginate(list, p.string('Marker'), max);
  return [
    ['Marker', marker],
    ['ExportTasks', page.map((t) => ['ExportTask', exportTaskXml(t, { prefixAlways: true })] as XmlNode)],
  ];
}

export function cancelExportTask(ctx: RdsContext, runner: ExportTaskRunner, rc: RequestContext, p: QueryParams): XmlNode[] {
  const id = required(p, 'ExportTaskIdentifier').toLowerCase();
  const t = loadJob<ExportTaskState>(ctx.jobs, EXPORT_TASK_JOB, rc.account, rc.region, id);
  if (!t) throw fault('ExportTaskNotFound', `The export task with the ID ${id} can't be found.`, 404);
  if (TERMINAL.includes(t.Status)) throw fault('InvalidExportTaskStateFault', "You can't cancel an export task that has completed.");
  if (t.Status !== 'CANCELING') {
    t.Status = 'CANCELING';
    save(ctx, rc.account, rc.region, t);
    runner.cancel(rc.account, rc.region, t);
  }
  return exportTaskXml(t, { prefixAlways: true });
}

export type { AwsError };
