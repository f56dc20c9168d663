/**
 * CreateDBSnapshot / CreateDBClusterSnapshot and friends. The consistent transaction is opened before the
 * call returns (so nothing committed after the response is in the snapshot); the copy then runs in the
 * background: every table, as of that transaction, is written as Parquet parts under the data directory
 * (`<data>/rds/snapshots/<uid>/t<N>/b<batch>-part-<index>.parquet` + `manifest.json`), and the snapshot turns
 * `available`. Later changes to the database cannot reach it; exports read from these files.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AwsError } from '../server/errors.js';
import type { QueryParams, XmlNode } from '../server/query-protocol.js';
import type { RequestContext } from '../server/request-context.js';
import type { RdsContext } from './context.js';
import { copyTables, percentOf } from './copy.js';
import { fault, invalidParameterValue, missingParameter } from './errors.js';
import { tableRecord, type TableRecord } from './export-layout.js';
import { dbClusterSnapshotXml, dbSnapshotXml } from './shapes.js';
import type { ReadSession, SourceKind } from './sources/source.js';
import { CLUSTER_SNAPSHOT_JOB, DB_SNAPSHOT_JOB, listJobStates, loadJob, saveJob, type SnapshotKind, type SnapshotState } from './state.js';
import type { SkippedTable } from './types.js';

export interface SnapshotFile {
  /** Batch folder (absent in manifests written before batches: 1). */
  batch?: number;
  index: number;
  file: string;
  rows: number;
  rawBytes: number;
  bytes: number;
}

export interface SnapshotManifest {
  engine: string;
  engineVersion: string;
  databases: string[];
  skipped: SkippedTable[];
  tables: (TableRecord & { files: SnapshotFile[] })[];
}

const KIND = {
  db: { job: DB_SNAPSHOT_JOB, source: 'instance' as SourceKind, idParam: 'DBSnapshotIdentifier', sourceParam: 'DBInstanceIdentifier', max: 255 },
  cluster: { job: CLUSTER_SNAPSHOT_JOB, source: 'cluster' as SourceKind, idParam: 'DBClusterSnapshotIdentifier', sourceParam: 'DBClusterIdentifier', max: 63 },
};

export function snapshotDir(ctx: RdsContext, uid: string): string {
  return join(ctx.snapshotRoot, uid);
}

export async function readManifest(ctx: RdsContext, uid: string): Promise<SnapshotManifest> {
  return JSON.parse(await readFile(join(snapshotDir(ctx, uid), 'manifest.json'), 'utf8')) as SnapshotManifest;
}

export function validIdentifier(id: string, max: number): boolean {
  return id.length >= 1 && id.length <= max && /^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$/.test(id);
}

function identifierError(param: string): AwsError {
  return invalidParameterValue(
    `The parameter ${param} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`,
  );
}

function notFound(kind: SnapshotKind, id: string): AwsError {
  return kind === 'db' ? fault('DBSnapshotNotFound', `DBSnapshot ${id} not found.`, 404) : fault('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${id} not found.`, 404);
}

function sourceNotFound(kind: SnapshotKind, id: string): AwsError {
  return kind === 'db' ? fault('DBInstanceNotFound', `DBInstance ${id} not found.`, 404) : fault('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);
}

export function loadSnapshot(ctx: RdsContext, kind: SnapshotKind, account: string, region: string, id: string): SnapshotState | undefined {
  const s = loadJob<SnapshotState>(ctx.jobs, KIND[kind].job, account, region, id.toLowerCase());
  return s && s.status !== 'deleted' ? s : undefined;
}

/** Background copies of snapshots being created. */
export class SnapshotRunner {
  private readonly running = new Map<string, { session: ReadSession; done: Promise<void> }>();
  private stopping = false;

  constructor(private readonly ctx: RdsContext) {}

  start(state: SnapshotState, session: ReadSession, account: string, region: string): void {
    const key = `${account}:${region}:${state.kind}:${state.identifier}`;
    const done = this.copy(state, session, account, region).finally(() => this.running.delete(key));
    this.running.set(key, { session, done });
  }

  whenDone(kind: SnapshotKind, account: string, region: string, id: string): Promise<void> | undefined {
    return this.running.get(`${account}:${region}:${kind}:${id}`)?.done;
  }

  /** After a restart: a snapshot left `creating` lost its transaction; it is failed (and its files removed). */
  async recover(): Promise<void> {
    for (const kind of ['db', 'cluster'] as const) {
      for (const j of this.ctx.jobs.unfinishedJobs(KIND[kind].job, (s) => (JSON.parse(s) as SnapshotState).status === 'creating')) {
        const s = JSON.parse(j.state) as SnapshotState;
        s.status = 'failed';
        s.failure = 'Strata stopped while the snapshot was being created';
        saveJob(this.ctx.jobs, KIND[kind].job, j.account, j.region, s.identifier, s.sourceId, j.createdAt, s);
        await rm(snapshotDir(this.ctx, s.uid), { recursive: true, force: true });
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.running.values()].map((r) => r.session.close().catch(() => undefined)));
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  private async copy(state: SnapshotState, session: ReadSession, account: string, region: string): Promise<void> {
    const { ctx } = this;
    const dir = snapshotDir(ctx, state.uid);
    const save = (): void => saveJob(ctx.jobs, KIND[state.kind].job, account, region, state.identifier, state.sourceId, state.createTime, state);
    let lastSave = 0;
    try {
      await mkdir(dir, { recursive: true });
      const listing = await session.list();
      state.estimatedBytes = listing.tables.reduce((n, t) => n + t.estimatedBytes, 0);
      const files = new Map<string, SnapshotFile[]>();
      const ordinal = new Map(listing.tables.map((t, i) => [t, i]));
      const tables = await copyTables(session, listing.tables, {
        maxPartBytes: ctx.options.maxPartBytes,
        chunkDelayMs: ctx.options.chunkDelayMs,
        encoder: ctx.encoder,
        cancelled: () => this.stopping,
        target: async (t, part, body) => {
          const dirName = `t${ordinal.get(t)}`;
          const rel = `${dirName}/b${part.batch}-part-${String(part.index).padStart(5, '0')}.parquet`;
          await mkdir(join(dir, dirName), { recursive: true });
          const path = join(dir, rel);
          await pipeline(body, createWriteStream(path));
          await fsync(path);
          const list = files.get(dirName) ?? [];
          list.push({ batch: part.batch, index: part.index, file: rel, rows: 0, rawBytes: 0, bytes: (await stat(path)).size });
          files.set(dirName, list);
        },
        onProgress: (p) => {
          state.dataBytes = p.bytes;
          state.percentProgress = Math.max(state.percentProgress, percentOf(p.fraction));
          if (Date.now() - lastSave > 500) {
            lastSave = Date.now();
            save();
          }
        },
      });
      const manifest: SnapshotManifest = {
        engine: session.engine,
        engineVersion: session.engineVersion,
        databases: listing.databases,
        skipped: listing.skipped,
        tables: tables.map((c, i) => {
          const list = (files.get(`t${i}`) ?? []).sort((a, b) => a.batch! - b.batch! || a.index - b.index);
          for (const f of list) {
            const p = c.parts.find((x) => x.batch === f.batch && x.index === f.index)!;
            f.rows = p.rows;
            f.rawBytes = p.rawBytes;
          }
          return { ...tableRecord(c), files: list };
        }),
      };
      const tmp = join(dir, 'manifest.json.tmp');
      await writeFile(tmp, JSON.stringify(manifest));
      await fsync(tmp);
      await rename(tmp, join(dir, 'manifest.json'));
      state.dataBytes = manifest.tables.reduce((n, t) => n + t.rawBytes, 0);
      state.fileBytes = manifest.tables.reduce((n, t) => n + t.files.reduce((m, f) => m + f.bytes, 0), 0);
      state.status = 'available';
      state.percentProgress = 100;
      save();
    } catch (e) {
      if (this.stopping) return; // left `creating`: recover() fails it on the next start
      state.status = 'failed';
      state.failure = e instanceof Error ? e.message : String(e);
      // DescribeDB(Cluster)Snapshots has no field for the cause: the server log says it.
      console.error(`snapshot ${state.identifier} of ${state.sourceId} failed: ${state.failure}`);
      save();
      await rm(dir, { recursive: true, force: true });
    } finally {
      await session.close().catch(() => undefined);
    }
  }
}

async function fsync(path: string): Promise<void> {
  const h = await open(path, 'r+');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

export async function createSnapshot(ctx: RdsContext, runner: SnapshotRunner, kind: SnapshotKind, rc: RequestContext, p: QueryParams): Promise<XmlNode[]> {
  const k = KIND[kind];
  const rawId = p.string(k.idParam);
  if (!rawId) throw missingParameter(k.idParam);
  const sourceId = p.string(k.sourceParam);
  if (!sourceId) throw missingParameter(k.sourceParam);
  if (!validIdentifier(rawId, k.max)) throw identifierError(k.idParam);
  const id = rawId.toLowerCase();
  const source = ctx.sources.get(k.source, sourceId);
  if (!source) throw sourceNotFound(kind, sourceId);
  if (loadSnapshot(ctx, kind, rc.account, rc.region, id)) {
    throw kind === 'db'
      ? fault('DBSnapshotAlreadyExists', `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`)
      : fault('DBClusterSnapshotAlreadyExistsFault', `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`);
  }
  let session: ReadSession;
  try {
    session = await source.driver.open({ maxReaders: ctx.options.maxReaders });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw kind === 'db'
      ? fault('InvalidDBInstanceState', `DB instance ${source.def.id} is not available: ${why}`)
      : fault('InvalidDBClusterStateFault', `DB cluster ${source.def.id} is not available: ${why}`);
  }
  const state: SnapshotState = {
    kind,
    identifier: id,
    sourceId: source.def.id,
    uid: randomUUID(),
    status: 'creating',
    createTime: session.snapshotTime,
    engine: session.engine,
    engineVersion: session.engineVersion,
    port: source.def.port,
    masterUsername: source.def.user,
    sourceCreateTime: source.def.createdAt,
    percentProgress: 0,
    dataBytes: 0,
    fileBytes: 0,
    estimatedBytes: 0,
    tags: p.tags(),
  };
  saveJob(ctx.jobs, k.job, rc.account, rc.region, id, source.def.id, state.createTime, state);
  runner.start(state, session, rc.account, rc.region);
  return kind === 'db' ? [['DBSnapshot', dbSnapshotXml(state, rc.region, rc.account)]] : [['DBClusterSnapshot', dbClusterSnapshotXml(state, rc.region, rc.account)]];
}

export function describeSnapshots(ctx: RdsContext, kind: SnapshotKind, rc: RequestContext, p: QueryParams): XmlNode[] {
  const k = KIND[kind];
  const id = p.string(k.idParam)?.toLowerCase();
  const sourceId = p.string(k.sourceParam)?.toLowerCase();
  const type = p.string('SnapshotType');
  const max = maxRecords(p);
  let list = listJobStates<SnapshotState>(ctx.jobs, k.job, rc.account, rc.region).filter((s) => s.status !== 'deleted');
  if (id !== undefined) {
    list = list.filter((s) => s.identifier === id);
    if (list.length === 0) throw notFound(kind, id);
  }
  if (sourceId !== undefined) list = list.filter((s) => s.sourceId === sourceId);
  if (type !== undefined && type !== '' && type !== 'manual') list = [];
  for (const f of p.filters() ?? []) {
    const values = f.Values;
    const pick: Record<string, (s: SnapshotState) => string> =
      kind === 'db'
        ? { 'db-instance-id': (s) => s.sourceId, 'db-snapshot-id': (s) => s.identifier, 'snapshot-type': () => 'manual', engine: (s) => s.engine }
        : { 'db-cluster-id': (s) => s.sourceId, 'db-cluster-snapshot-id': (s) => s.identifier, 'snapshot-type': () => 'manual', engine: (s) => s.engine };
    const get = pick[f.Name];
    if (!get) throw invalidParameterValue(`Unrecognized filter name: ${f.Name}`);
    list = list.filter((s) => values.includes(get(s)));
  }
  list.sort((a, b) => a.createTime - b.createTime || a.identifier.localeCompare(b.identifier));
  const { page, marker } = paginate(list, p.string('Marker'), max);
  const member = kind === 'db' ? 'DBSnapshot' : 'DBClusterSnapshot';
  const render = kind === 'db' ? dbSnapshotXml : dbClusterSnapshotXml;
  return [
    ['Marker', marker],
    [kind === 'db' ? 'DBSnapshots' : 'DBClusterSnapshots', page.map((s) => [member, render(s, rc.region, rc.account)] as XmlNode)],
  ];
}

export async function deleteSnapshot(ctx: RdsContext, kind: SnapshotKind, rc: RequestContext, p: QueryParams): Promise<XmlNode[]> {
  const k = KIND[kind];
  const id = p.string(k.idParam);
  if (!id) throw missingParameter(k.idParam);
  const s = loadSnapshot(ctx, kind, rc.account, rc.region, id);
  if (!s) throw notFound(kind, id.toLowerCase());
  if (s.status === 'creating') {
    throw kind === 'db'
      ? fault('InvalidDBSnapshotState', `Cannot delete the snapshot because it is in the creating state.`)
      : fault('InvalidDBClusterSnapshotStateFault', `Cannot delete the cluster snapshot because it is in the creating state.`);
  }
  s.status = 'deleted';
  saveJob(ctx.jobs, k.job, rc.account, rc.region, s.identifier, s.sourceId, s.createTime, s);
  await rm(snapshotDir(ctx, s.uid), { recursive: true, force: true });
  return kind === 'db' ? [['DBSnapshot', dbSnapshotXml(s, rc.region, rc.account)]] : [['DBClusterSnapshot', dbClusterSnapshotXml(s, rc.region, rc.account)]];
}

/** MaxRecords: 20..100, default 100 (InvalidParameterValue otherwise, as RDS answers). */
export function maxRecords(p: QueryParams): number {
  const max = p.int('MaxRecords');
  if (max === undefined) return 100;
  if (max < 20 || max > 100) throw invalidParameterValue(`Invalid value ${max} for MaxRecords. Must be between 20 and 100`);
  return max;
}

/** Offset markers (opaque to clients). */
export function paginate<T>(list: T[], marker: string | undefined, max: number): { page: T[]; marker: string | undefined } {
  let start = 0;
  if (marker) {
    const m = /^strata-(\d+)$/.exec(Buffer.from(marker, 'base64url').toString('utf8'));
    if (!m) throw invalidParameterValue(`The parameter Marker is not valid: ${marker}`);
    start = Number(m[1]);
  }
  const page = list.slice(start, start + max);
  const next = start + max < list.length ? Buffer.from(`strata-${start + max}`, 'utf8').toString('base64url') : undefined;
  return { page, marker: next };
}
