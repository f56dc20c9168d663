import { randomUUID } from 'node:crypto';
import { ConstraintChecker } from '../dynamodb/constraints.js';
import { describeTable } from '../dynamodb/describe-table.js';
import { indexPlans } from '../dynamodb/indexes.js';
import { itemWrite } from '../dynamodb/items.js';
import { keyOf } from '../dynamodb/keys.js';
import type { DynamoService, LoadedTable } from '../dynamodb/service.js';
import { tableKeyShape, tableStatus, type IndexState, type Projection, type TableState, type Throughput } from '../dynamodb/table-state.js';
import type { Item, KeySchemaElement } from '../dynamodb/types.js';
import { AwsError, validation } from '../server/errors.js';
import type { RequestContext } from '../server/request-context.js';
import type { ItemWrite } from '../storage/store.js';
import { tableNotFound } from './continuous-backups.js';
import { pitrOf, type PitrService } from './pitr-service.js';
import { booleanMember } from '../dynamodb/wire-types.js';

type Input = Record<string, unknown>;

/** Items copied per step: one read page and one write transaction, then the event loop gets a turn. */
const BATCH_ITEMS = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;
/**
 * Testing hook: a pause between pages (milliseconds), so tests can observe a restore in progress (a
 * CREATING table refusing writes, a kill -9 in the middle). Not a tuning knob; unset in normal use.
 */
const PAGE_DELAY_MS = Number(process.env.STRATA_TEST_RESTORE_PAGE_DELAY_MS ?? 0) || 0;

interface IndexOverride {
  IndexName?: string;
  KeySchema?: KeySchemaElement[];
  Projection?: Projection;
  ProvisionedThroughput?: Throughput;
}

interface SseSpec {
  Enabled?: boolean;
  SSEType?: string;
  KMSMasterKeyId?: string;
}

const ARN = /^arn:aws[a-z-]*:dynamodb:([a-z0-9-]+):(\d{12}):table\/([a-zA-Z0-9_.-]{3,255})$/;

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function checkIndexOverrides(c: ConstraintChecker, list: unknown, field: string): void {
  if (list === undefined || list === null) return;
  (list as IndexOverride[]).forEach((o, i) => {
    const at = `${field}.${i + 1}.member`;
    if (o.IndexName === undefined || o.IndexName === null) c.required(o.IndexName, `${at}.indexName`);
    else if (String(o.IndexName).length < 3) c.fail(o.IndexName, `${at}.indexName`, 'Member must have length greater than or equal to 3');
    c.required(o.KeySchema, `${at}.keySchema`);
    c.required(o.Projection, `${at}.projection`);
  });
}

/** Where the source lives: the caller's account, and the ARN's region for a cross-region restore. */
function sourceOf(rc: RequestContext, input: Input): { ctx: RequestContext; name: string; given: string } {
  const byName = input.SourceTableName;
  const byArn = input.SourceTableArn;
  if (byName !== undefined && byArn !== undefined) throw validation('Must provide exactly one of: sourceTableArn, sourceTableName');
  if (byName === undefined && byArn === undefined) throw validation("The parameter 'TableName' is required");
  if (byName !== undefined) return { ctx: rc, name: String(byName), given: String(byName) };
  const m = ARN.exec(String(byArn));
  if (!m) throw validation('sourceTableArn is not a valid ARN');
  if (m[2] !== rc.account) throw validation("This action is only supported by accounts that match the resource owner's account");
  if (m[1] !== rc.region && input.SSESpecificationOverride === undefined) {
    throw validation('Invalid Request: sseSpecificationOverride must be provided for cross-region restores');
  }
  return { ctx: { ...rc, region: m[1]! }, name: m[3]!, given: String(byArn) };
}

function sameKeySchema(a: KeySchemaElement[], b: KeySchemaElement[] | undefined): boolean {
  return !!b && a.length === b.length && a.every((k, i) => k.AttributeName === b[i]?.AttributeName && k.KeyType === b[i]?.KeyType);
}

function sameProjection(a: Projection, b: Projection | undefined): boolean {
  if (!b || a.ProjectionType !== b.ProjectionType) return false;
  const x = [...(a.NonKeyAttributes ?? [])].sort();
  const y = [...(b.NonKeyAttributes ?? [])].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * The restored table's indexes: all of the source's when the override is absent, none for an empty list,
 * else each override must match a source index by key schema and projection (it may rename it).
 */
function restoredIndexes(source: IndexState[], override: unknown, provisioned: Throughput | undefined): IndexState[] {
  const out = (i: IndexState, name: string, pt: Throughput | undefined): IndexState => {
    const idx: IndexState = { IndexName: name, KeySchema: i.KeySchema, Projection: i.Projection, IndexStatus: 'ACTIVE' };
    if (provisioned) idx.ProvisionedThroughput = pt ?? i.ProvisionedThroughput ?? provisioned;
    return idx;
  };
  if (override === undefined || override === null) return source.map((i) => out(i, i.IndexName, undefined));
  return (override as IndexOverride[]).map((o) => {
    const match = source.find((i) => sameKeySchema(i.KeySchema, o.KeySchema) && sameProjection(i.Projection, o.Projection));
    if (!match) {
      throw validation(`Index ${o.IndexName} does not match a secondary index that existed in the source table and cannot be created during the restore operation`);
    }
    return out(match, o.IndexName!, o.ProvisionedThroughput);
  });
}

/** RestoreTableToPointInTime: checks in AWS's order, then a new CREATING table filled in the background. */
export function restoreTableToPointInTime(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  if (input.TargetTableName === '') {
    throw validation('TableName must be at least 3 characters long and at most 255 characters long');
  }
  c.tableName(input.TargetTableName, 'targetTableName');
  if (input.SourceTableName !== undefined) c.tableName(input.SourceTableName, 'sourceTableName');
  c.oneOf(input.BillingModeOverride, 'billingModeOverride', ['PROVISIONED', 'PAY_PER_REQUEST']);
  const ptOverride = input.ProvisionedThroughputOverride as Partial<Throughput> | undefined;
  if (ptOverride) {
    c.required(ptOverride.WriteCapacityUnits, 'provisionedThroughputOverride.writeCapacityUnits');
    c.required(ptOverride.ReadCapacityUnits, 'provisionedThroughputOverride.readCapacityUnits');
    c.range(ptOverride.ReadCapacityUnits, 'provisionedThroughputOverride.readCapacityUnits', 1);
    c.range(ptOverride.WriteCapacityUnits, 'provisionedThroughputOverride.writeCapacityUnits', 1);
  }
  checkIndexOverrides(c, input.GlobalSecondaryIndexOverride, 'globalSecondaryIndexOverride');
  checkIndexOverrides(c, input.LocalSecondaryIndexOverride, 'localSecondaryIndexOverride');
  const sse = input.SSESpecificationOverride as SseSpec | undefined;
  if (sse?.KMSMasterKeyId === '') c.fail('', 'sSESpecificationOverride.kMSMasterKeyId', 'Member must have length greater than or equal to 1');
  c.throwIfAny();
  const useLatest = booleanMember(input.UseLatestRestorableTime) === true;
  const at = input.RestoreDateTime;
  if (at === undefined && !useLatest) {
    throw validation('Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both');
  }
  if (at !== undefined && useLatest) {
    throw validation('Invalid Request: Both RestoreDateTime and UseLatestRestorableTime cannot be set for point-in-time restore request. Please specify either RestoreDateTime time or UseLatestRestorableTime');
  }
  if (at !== undefined && (typeof at !== 'number' || !Number.isFinite(at))) {
    throw new AwsError('SerializationException', `class ${typeof at === 'string' ? 'java.lang.String' : 'java.lang.Object'} can not be converted to milliseconds since epoch`, 400, {}, 'com.amazon.coral.service');
  }
  const target = String(input.TargetTableName);
  const src = sourceOf(rc, input);

  // The source: it exists (and is not itself being restored), PITR is on, the time is in its window.
  const found = svc.findTable(src.ctx, src.name);
  if (!found || found.state.RestoreSummary?.RestoreInProgress) throw tableNotFound(src.given);
  const source = found;
  if (!source.state.Pitr.enabled) {
    throw new AwsError('PointInTimeRecoveryUnavailableException', `Point in time recovery is not enabled for table '${source.state.TableName}'`, 400);
  }
  const pitr = pitrOf(svc);
  const now = svc.clock.nowMicros();
  const w = pitr.window(source.state, now)!;
  const restoreMs = useLatest ? w.latestMs : Math.round((at as number) * 1000);
  const asOfMicros = useLatest ? w.latestMs * 1000 : Math.round((at as number) * 1_000_000);
  if (asOfMicros < w.earliestMs * 1000 || asOfMicros > w.latestMs * 1000) {
    throw new AwsError(
      'InvalidRestoreTimeException',
      `RestoreDateTime '${isoSeconds(restoreMs)}' must be within EarliestRestorableDateTime '${isoSeconds(w.earliestMs)}' and LatestRestorableDateTime '${isoSeconds(w.latestMs)}'`,
      400,
    );
  }
  // Every later commit lands strictly after the restore time, so what is copied can no longer change.
  pitr.fence(asOfMicros);

  // The target name must be free.
  const existing = svc.findTable(rc, target);
  if (existing) {
    if (existing.state.RestoreSummary?.RestoreInProgress) {
      throw new AwsError('TableInUseException', `Table: ${target} is already being restored from table: ${existing.state.RestoreSummary.SourceTableArn}`, 400);
    }
    throw new AwsError('TableAlreadyExistsException', `Table already exists: ${target}`, 400);
  }

  const state = restoredState(svc, rc, source.state, target, input, restoreMs, asOfMicros, source.uid);
  const stored = svc.store.createTable(rc.account, rc.region, target, JSON.stringify(state));
  if (!stored) throw new AwsError('TableAlreadyExistsException', `Table already exists: ${target}`, 400);
  const t: LoadedTable = { uid: stored.uid, account: rc.account, region: rc.region, state };
  pitr.restores.start(t.uid);
  return { TableDescription: describeTable(state, svc.store.tableStats(t.uid), tableStatus(state), (n) => svc.store.indexStats(t.uid, n)) };
}

/**
 * The restored table's settings: the source's current key schema, indexes, billing and encryption, with
 * the overrides applied. Like AWS, a restore does not carry over streams, TTL, PITR, tags, deletion
 * protection or the table class.
 */
function restoredState(
  svc: DynamoService, rc: RequestContext, source: TableState, target: string, input: Input, restoreMs: number, asOfMicros: number, sourceUid: number,
): TableState {
  const billing = (input.BillingModeOverride as TableState['BillingMode'] | undefined) ?? source.BillingMode;
  const ptOverride = input.ProvisionedThroughputOverride as Throughput | undefined;
  if (billing === 'PROVISIONED' && input.BillingModeOverride === 'PROVISIONED' && source.BillingMode !== 'PROVISIONED' && !ptOverride) {
    throw validation('Must override ProvisionedThroughput if BillingMode is overridden to PROVISIONED');
  }
  if (billing === 'PAY_PER_REQUEST' && ptOverride) {
    throw validation('Cannot override ProvisionedThroughput unless BillingMode is PROVISIONED');
  }
  const onDemand = billing === 'PAY_PER_REQUEST';
  const pt: Throughput = onDemand
    ? { ReadCapacityUnits: 0, WriteCapacityUnits: 0 }
    : ptOverride
      ? { ReadCapacityUnits: ptOverride.ReadCapacityUnits, WriteCapacityUnits: ptOverride.WriteCapacityUnits }
      : source.ProvisionedThroughput;
  const gsis = restoredIndexes(source.GlobalSecondaryIndexes, input.GlobalSecondaryIndexOverride, onDemand ? undefined : pt);
  const lsis = restoredIndexes(source.LocalSecondaryIndexes, input.LocalSecondaryIndexOverride, undefined);
  const names = [...gsis, ...lsis].map((i) => i.IndexName);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw validation(`One or more parameter values were invalid: Duplicate index name: ${dup}`);
  const used = new Set<string>();
  for (const k of source.KeySchema) used.add(k.AttributeName);
  for (const i of [...gsis, ...lsis]) for (const k of i.KeySchema) used.add(k.AttributeName);
  const nowS = svc.clock.nowMillis() / 1000;
  const state: TableState = {
    TableName: target,
    TableId: randomUUID(),
    TableArn: `arn:aws:dynamodb:${rc.region}:${rc.account}:table/${target}`,
    KeySchema: source.KeySchema,
    AttributeDefinitions: source.AttributeDefinitions.filter((a) => used.has(a.AttributeName)),
    BillingMode: billing,
    ProvisionedThroughput: pt,
    LastUpdateToPayPerRequestDateTime: onDemand ? nowS : undefined,
    CreationDateTime: nowS,
    GlobalSecondaryIndexes: gsis,
    LocalSecondaryIndexes: lsis,
    DeletionProtectionEnabled: false,
    Tags: [],
    TimeToLive: { TimeToLiveStatus: 'DISABLED' },
    Pitr: { enabled: false, recoveryPeriodInDays: 35 },
    RestoreSummary: { SourceTableArn: source.TableArn, RestoreDateTime: restoreMs / 1000, RestoreInProgress: true },
    RestoreJob: { sourceUid, asOfMicros, copied: 0 },
  };
  const sse = input.SSESpecificationOverride as SseSpec | undefined;
  if (sse) {
    if (sse.Enabled !== false) state.SSESpecification = { Enabled: true, SSEType: sse.SSEType ?? 'KMS', ...(sse.KMSMasterKeyId ? { KMSMasterKeyId: sse.KMSMasterKeyId } : {}) };
  } else if (source.SSESpecification) {
    state.SSESpecification = source.SSESpecification;
  }
  return state;
}

/**
 * Fills restoring tables from their source "as of" the restore time, a page at a time (bounded memory,
 * requests interleave between pages). Progress is persisted with the table's state, so a restore
 * interrupted by a crash resumes where it stopped when Strata starts again; re-copying the last page is
 * harmless (the same images are written again). While it runs the source's history at the restore time
 * is pinned against retention, and a deleted source's versions are held back from the purge.
 */
export class Restorer {
  private readonly active = new Map<number, { release: () => void; cancel?: () => void }>();
  private stopped = false;

  constructor(private readonly pitr: PitrService) {}

  /** Resumes every restore that was in progress when Strata stopped. */
  resumeAll(): void {
    for (const stored of this.pitr.svc.store.allTables()) {
      const state = JSON.parse(stored.state) as TableState;
      if (!state.RestoreJob) continue;
      console.log(`strata: resuming restore into table ${stored.name} (${state.RestoreJob.copied} items copied before the restart)`);
      this.start(stored.uid);
    }
  }

  start(uid: number): void {
    if (this.active.has(uid) || this.stopped) return;
    const t = this.pitr.svc.loadByUid(uid);
    if (!t?.state.RestoreJob) return;
    const job = t.state.RestoreJob;
    const unpin = this.pitr.pin(job.sourceUid, job.asOfMicros);
    this.pitr.svc.store.holdPurge(job.sourceUid, true);
    const entry: { release: () => void; cancel?: () => void } = {
      release: () => {
        unpin();
        this.pitr.svc.store.holdPurge(job.sourceUid, false);
      },
    };
    this.active.set(uid, entry);
    const next = (delayMs = PAGE_DELAY_MS): void => {
      if (delayMs > 0) {
        const timer = setTimeout(run, delayMs);
        entry.cancel = () => clearTimeout(timer);
      } else {
        const immediate = setImmediate(run);
        entry.cancel = () => clearImmediate(immediate);
      }
    };
    let failures = 0;
    const run = (): void => {
      entry.cancel = undefined;
      let more = false;
      try {
        more = this.step(uid);
        failures = 0;
      } catch (e) {
        // A failed page (a busy or full disk, say) is retried with backoff, the history it reads still pinned:
        // letting go would leave the table CREATING while retention may discard what it has yet to copy.
        failures++;
        const delay = Math.min(30_000, 100 * 2 ** Math.min(failures, 9));
        console.error(`restore into table ${t.state.TableName} failed a step (attempt ${failures}; retrying in ${delay} ms):`, e);
        if (!this.stopped) next(delay);
        else this.finish(uid);
        return;
      }
      if (more && !this.stopped) next();
      else this.finish(uid);
    };
    const first = setImmediate(run);
    entry.cancel = () => clearImmediate(first);
  }

  stop(): void {
    this.stopped = true;
    for (const uid of [...this.active.keys()]) this.finish(uid);
  }

  /** True while restores are running (tests). */
  get running(): number {
    return this.active.size;
  }

  private finish(uid: number): void {
    const entry = this.active.get(uid);
    if (!entry) return;
    entry.cancel?.();
    this.active.delete(uid);
    entry.release();
  }

  /** Copies one page; false when the restore is complete (or its table is gone). */
  private step(uid: number): boolean {
    const svc = this.pitr.svc;
    const t = svc.loadByUid(uid);
    const job = t?.state.RestoreJob;
    if (!t || !job) return false;
    const after = job.after && { h: job.after.h, pk: Buffer.from(job.after.pk, 'hex'), sk: Buffer.from(job.after.sk, 'hex') };
    const page = svc.store.readRange({ table: job.sourceUid, asOf: job.asOfMicros, forward: true, after, limit: BATCH_ITEMS, maxBytes: BATCH_BYTES });
    if (page.items.length > 0) {
      const plain = indexPlans(t.state).length === 0;
      const shape = tableKeyShape(t.state);
      const writes: ItemWrite[] = page.items.map((row) => {
        if (plain) return { ref: { table: uid, h: row.h, pk: row.pk, sk: row.sk }, json: row.json, size: row.size, indexDeletes: [], indexPuts: [] };
        const item = JSON.parse(row.json!) as Item;
        return itemWrite(t, keyOf(item, shape), undefined, { item, size: row.size });
      });
      svc.store.mutate([], () => ({ writes, result: undefined }));
      const last = page.items[page.items.length - 1]!;
      job.after = { h: last.h, pk: last.pk.toString('hex'), sk: last.sk.toString('hex') };
      job.copied += page.items.length;
    }
    if (page.truncated) {
      svc.saveState(t);
      return true;
    }
    delete t.state.RestoreJob;
    t.state.RestoreSummary = { ...t.state.RestoreSummary!, RestoreInProgress: false };
    svc.saveState(t);
    return false;
  }
}
