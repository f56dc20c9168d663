import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { DynamoService } from '../dynamodb/service.js';
import { keyOf } from '../dynamodb/keys.js';
import { tableKeyShape, type KeyShape } from '../dynamodb/table-state.js';
import type { Item } from '../dynamodb/types.js';
import { SinkFailure, type S3Sink } from '../s3/sink.js';
import type { JobStore } from '../storage/jobs.js';
import type { Position, StoredItem } from '../storage/store.js';
import { EXPORT_JOB, manifestKey, saveExport } from './export-api.js';
import { isUnfinished, type ExportState, type SegmentState } from './export-state.js';
import { DataFileWriter } from './format/data-file.js';
import { fullJsonLine, incrementalJsonLine, type IncrementalChange } from './format/ddb-json.js';
import { fullIonLine, incrementalIonLine } from './format/ion.js';
import {
  fullManifestSummary, incrementalManifestSummary, INCREMENTAL_MIN_BILLED_BYTES, manifestFilesJson, md5Base64, type ManifestFileEntry,
} from './format/manifest.js';
import { dataFileKey, dataFileName, exportKeys } from './format/names.js';
import { planIncrementalFiles } from './incremental-plan.js';
import { pitrOf } from '../pitr/pitr-service.js';

/**
 * Items read per store call: large enough to amortise the call, small enough that a call never stalls
 * writes, zlib's callbacks or the uploads for long, and that few items are alive at a time (bench/README.md).
 */
const PAGE = 128;

/**
 * Tests only: the process kills itself (SIGKILL) right after this many data files are uploaded, before the
 * last one is recorded: the worst moment of a crash, which an outside `kill -9` hits only by luck.
 */
const KILL_AFTER_FILES = Number(process.env.STRATA_TEST_EXPORT_KILL_AFTER_FILES ?? 0);
let filesUploaded = 0;

export type SinkFor = (state: ExportState, account: string) => S3Sink;

export interface ExportProgress {
  status: ExportState['ExportStatus'];
  itemsExported: number;
  /** Items in the table when the export started (full exports): the denominator of a progress bar. */
  itemsExpected: number;
  segmentsDone: number;
  segmentsTotal: number;
}

export interface ExportRunnerOptions {
  /** Segments written at once (the gzip work runs on libuv's pool, so 2 uses both cores). */
  concurrency: number;
  /** Bytes of changes per incremental data file (--export-segment-mb; full exports plan on the table's size). */
  segmentBytes: number;
}

/**
 * Runs exports in the background: data files first (one per segment, resumable segment by segment, for
 * full and incremental exports alike),
 * then manifest-files.json, then manifest-summary.json, and only then COMPLETED (invariant 3).
 */
export class ExportRunner {
  private readonly running = new Map<string, Promise<void>>();
  /** Items written so far by exports running in this process, by ARN. */
  private readonly written = new Map<string, number>();
  private stopping = false;

  constructor(
    private readonly svc: DynamoService,
    private readonly jobs: JobStore,
    private readonly sinkFor: SinkFor,
    private readonly options: ExportRunnerOptions,
  ) {}

  start(state: ExportState): void {
    if (this.running.has(state.ExportArn)) return;
    const job = this.jobs.getJob(EXPORT_JOB, state.ExportArn);
    if (!job) return;
    // Resumed segments keep their counts; only unfinished ones are written (and counted) again.
    this.written.set(state.ExportArn, state.segments.reduce((n, s) => n + (s.file?.itemCount ?? 0), 0));
    const p = this.run(state, job.account, job.region).finally(() => {
      this.running.delete(state.ExportArn);
      this.written.delete(state.ExportArn);
    });
    this.running.set(state.ExportArn, p);
  }

  /** After a restart: every export left IN_PROGRESS resumes from its last finished segment. */
  recover(): number {
    const unfinished = this.jobs.unfinishedJobs(EXPORT_JOB, (s) => isUnfinished(JSON.parse(s) as ExportState));
    for (const j of unfinished) this.start(JSON.parse(j.state) as ExportState);
    return unfinished.length;
  }

  /** Lets running exports reach a checkpoint (briefly: an S3 call may hang); they resume on the next start. */
  async stop(graceMs = 2000): Promise<void> {
    this.stopping = true;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
    await Promise.race([Promise.allSettled([...this.running.values()]), grace]);
    clearTimeout(timer);
  }

  /** Resolves when the export has finished (for tests and `--wait`). */
  whenDone(arn: string): Promise<void> | undefined {
    return this.running.get(arn);
  }

  progress(state: ExportState): ExportProgress {
    const done = state.segments.filter((s) => s.file);
    const finished = done.reduce((n, s) => n + s.file!.itemCount, 0);
    const itemsExported = state.ExportStatus === 'IN_PROGRESS' ? Math.max(finished, this.written.get(state.ExportArn) ?? 0) : (state.ItemCount ?? finished);
    return {
      status: state.ExportStatus,
      itemsExported,
      itemsExpected: state.kind === 'FULL_EXPORT' ? state.tableItemCount : itemsExported,
      segmentsDone: state.ExportStatus === 'COMPLETED' ? state.segments.length : done.length,
      segmentsTotal: state.segments.length,
    };
  }

  private count(state: ExportState, n: number): void {
    this.written.set(state.ExportArn, (this.written.get(state.ExportArn) ?? 0) + n);
  }

  private save(state: ExportState, account: string, region: string): void {
    saveExport(this.jobs, account, region, state);
  }

  private async run(state: ExportState, account: string, region: string): Promise<void> {
    const sink = this.sinkFor(state, account);
    // Retention must keep every version this export reads (and, for incremental ones, the old images).
    const unpin = pitrOf(this.svc).pin(state.tableUid, (state.kind === 'FULL_EXPORT' ? state.snapshotMicros! : state.fromMicros!) - 1);
    try {
      const keys = exportKeys(state.S3Prefix, state.ExportId, state.kind);
      await sink.putObject(keys.started, '');
      const shape = tableKeyShape(this.requireTable(state).state);
      if (state.kind === 'INCREMENTAL_EXPORT') await this.planIncremental(state, account, region);
      this.nameFiles(state, account, region);
      // Each finished file is saved at once: a restart writes only the unfinished ones, under their saved names.
      // At most `concurrency` files (gzip state and a multipart upload each) are open at a time.
      await this.pool(state.segments.filter((s) => !s.file), async (seg) => {
        seg.file = state.kind === 'FULL_EXPORT' ? await this.fullSegment(state, seg, sink) : await this.incrementalSegment(state, seg, shape, sink);
        if (KILL_AFTER_FILES > 0 && ++filesUploaded === KILL_AFTER_FILES) process.kill(process.pid, 'SIGKILL');
        this.save(state, account, region);
      });
      if (this.stopping) return;
      if (state.kind === 'INCREMENTAL_EXPORT') state.tableSizeBytes = state.segments.reduce((n, s) => n + (s.changeBytes ?? 0), 0);
      // A table deleted while we read may have lost versions to the purge: fail rather than lie.
      this.requireTable(state);
      const entries = state.segments.map((s) => s.file!);
      const itemCount = entries.reduce((n, e) => n + e.itemCount, 0);
      const filesJson = manifestFilesJson(entries);
      await sink.putObject(keys.manifestFiles, filesJson);
      await sink.putObject(keys.manifestFilesMd5, md5Base64(filesJson));
      const endTime = Math.max(this.svc.clock.nowMillis(), state.StartTime);
      const billed = state.kind === 'FULL_EXPORT' ? state.tableSizeBytes : Math.max(INCREMENTAL_MIN_BILLED_BYTES, state.tableSizeBytes);
      const common = {
        exportArn: state.ExportArn, startTime: state.StartTime, endTime, tableArn: state.TableArn, tableId: state.TableId,
        s3Bucket: state.S3Bucket, s3Prefix: state.S3Prefix ?? null, s3SseAlgorithm: state.S3SseAlgorithm, s3SseKmsKeyId: state.S3SseKmsKeyId ?? null,
        manifestFilesS3Key: keys.manifestFiles, billedSizeBytes: billed, itemCount, outputFormat: state.ExportFormat,
      };
      const spec = state.IncrementalExportSpecification;
      const summary = spec
        ? incrementalManifestSummary({ ...common, exportFromTime: spec.ExportFromTime, exportToTime: spec.ExportToTime, outputView: spec.ExportViewType })
        : fullManifestSummary({ ...common, exportTime: state.ExportTime! });
      await sink.putObject(keys.manifestSummary, summary);
      await sink.putObject(keys.manifestSummaryMd5, md5Base64(summary));
      Object.assign(state, { ExportStatus: 'COMPLETED', EndTime: endTime, ExportManifest: manifestKey(state), ItemCount: itemCount, BilledSizeBytes: billed });
      this.save(state, account, region);
    } catch (e) {
      if (this.stopping && !(e instanceof SinkFailure)) return;
      const failure = e instanceof SinkFailure ? { code: e.failureCode, message: e.failureMessage } : { code: 'UNKNOWN', message: e instanceof Error ? e.message : String(e) };
      Object.assign(state, { ExportStatus: 'FAILED', EndTime: this.svc.clock.nowMillis(), FailureCode: failure.code, FailureMessage: failure.message });
      this.save(state, account, region);
    } finally {
      unpin();
      sink.destroy();
    }
  }

  /** Gives every segment its data file name before any is written, and saves them (see SegmentState.name). */
  private nameFiles(state: ExportState, account: string, region: string): void {
    const unnamed = state.segments.filter((s) => !s.name);
    if (unnamed.length === 0) return;
    for (const s of unnamed) s.name = dataFileName(state.ExportFormat);
    this.save(state, account, region);
  }

  private requireTable(state: ExportState) {
    const t = this.svc.loadByUid(state.tableUid);
    if (!t) throw new Error(`Table ${state.TableName} was deleted during the export`);
    return t;
  }

  private async pool<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length && !this.stopping) await fn(items[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, items.length) }, worker));
  }

  /** One data file: the segment's hash range of the table as of the snapshot, read page by page. */
  private async fullSegment(state: ExportState, seg: SegmentState, sink: S3Sink): Promise<ManifestFileEntry> {
    const file = new DataFileOut(state, seg, sink);
    let after: Position | undefined;
    const ion = state.ExportFormat === 'ION';
    for (;;) {
      // The hash range starts at the last key's hash, not the segment's: SQLite seeks on one lower bound
      // of h, and given `h >= lo` it ignores `after`, so every page would re-read the segment from its start.
      const lo = after ? after.h : seg.lo;
      const page = this.svc.store.readImages({ table: state.tableUid, asOf: state.snapshotMicros! - 1, hashRange: [lo, seg.hi], forward: true, after, limit: PAGE });
      for (const row of page.items) await file.write(ion ? fullIonLine(row.json) : fullJsonLine(row.json));
      this.count(state, page.items.length);
      if (!page.truncated || !page.last) break;
      after = page.last;
      if (this.stopping) throw new Error('stopping');
      await yieldToEventLoop();
    }
    return file.finish();
  }

  /**
   * Plans an incremental export once, from its changes (see planIncrementalFiles), and saves the plan
   * before any file is written so a restart resumes the same files.
   */
  private async planIncremental(state: ExportState, account: string, region: string): Promise<void> {
    if (state.planned) return;
    const store = this.svc.store;
    const table = state.tableUid;
    const stats = store.tableStats(table);
    // The table's mean item size stands for a change's: the versions' own sizes are not in the timestamp index.
    const perVersion = stats.itemCount > 0 ? stats.sizeBytes / stats.itemCount : 1024;
    const index = { count: (f: number, t: number, l: number) => store.countVersions(table, f, t, l), tsAt: (f: number, t: number, o: number) => store.versionTsAt(table, f, t, o) };
    state.segments = await planIncrementalFiles(index, state.fromMicros!, state.toMicros!, perVersion, this.options.segmentBytes);
    state.planned = true;
    this.save(state, account, region);
  }

  /**
   * One data file of an incremental export: the versions of its sub-window [seg.lo, seg.hi) in commit order;
   * a key contributes one record, at its last write in the export's window [from, to), so each key lands
   * in exactly one file and the cost follows the changes, not the table.
   */
  private async incrementalSegment(state: ExportState, seg: SegmentState, shape: KeyShape, sink: S3Sink): Promise<ManifestFileEntry> {
    const file = new DataFileOut(state, seg, sink);
    const view = state.IncrementalExportSpecification!.ExportViewType;
    const ion = state.ExportFormat === 'ION';
    const from = state.fromMicros!;
    const to = state.toMicros!;
    let after: { ts: number; h: number; pk: Buffer; sk: Buffer } | undefined;
    let bytes = 0;
    try {
      for (;;) {
        // From the last version's time, not the sub-window's start: as with key ranges, SQLite seeks on `ts >= from`
        // and ignores `after`, so each page would re-read the sub-window from its start.
        const versions = this.svc.store.readVersions({ table: state.tableUid, from: after ? after.ts : seg.lo, to: seg.hi, after, limit: PAGE });
        for (const v of versions) {
          const change = this.changeAt(state, v, shape, from, to);
          if (!change) continue;
          const line = ion ? incrementalIonLine(change, view) : incrementalJsonLine(change, view);
          if (line === null) continue;
          bytes += v.size;
          this.count(state, 1);
          await file.write(line);
        }
        const last = versions[versions.length - 1];
        if (versions.length < PAGE || !last) break;
        after = { ts: last.ts, h: last.h, pk: last.pk, sk: last.sk };
        if (this.stopping) throw new Error('stopping');
        await yieldToEventLoop();
      }
      seg.changeBytes = bytes;
      return await file.finish();
    } catch (e) {
      file.abort(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
  }

  /** The compacted change of v's key, or undefined when v is not the key's last write in the window. */
  private changeAt(state: ExportState, v: StoredItem, shape: KeyShape, from: number, to: number): IncrementalChange | undefined {
    const ref = { table: state.tableUid, h: v.h, pk: v.pk, sk: v.sk };
    const newest = this.svc.store.getVersion(ref, to - 1);
    if (!newest || newest.ts !== v.ts) return undefined;
    const before = this.svc.store.getVersion(ref, from - 1);
    const oldImage = before && before.json !== null ? before.json : null;
    const newImage = v.json;
    const source = (newImage ?? oldImage)!;
    if (source === null) return undefined;
    const keys = keyOf(JSON.parse(source) as Item, shape);
    return { writeTimestampMicros: v.ts, keys, oldImage, newImage };
  }
}

/** A data file being written and uploaded at once; the manifest line when finished. */
class DataFileOut {
  private readonly writer = new DataFileWriter();
  private readonly key: string;
  private readonly upload: Promise<{ etag: string | undefined }>;

  constructor(state: ExportState, seg: SegmentState, sink: S3Sink) {
    this.key = dataFileKey(state.S3Prefix, state.ExportId, state.kind, seg.name ?? dataFileName(state.ExportFormat));
    this.upload = sink.uploadMultipart(this.key, this.writer.stream);
    // A failed upload is reported by finish(); keep it from being an unhandled rejection meanwhile.
    this.upload.catch(() => undefined);
  }

  async write(line: string): Promise<void> {
    if (!this.writer.writeLine(line)) await this.writer.drained();
  }

  async finish(): Promise<ManifestFileEntry> {
    const result = await this.writer.end();
    const uploaded = await this.upload;
    // The manifest records the object's ETag as S3 reports it (for one part it equals md5(md5)-1).
    const etag = uploaded.etag ? uploaded.etag.replace(/^"|"$/g, '') : result.etag;
    return { itemCount: result.itemCount, md5Checksum: result.md5Checksum, etag, dataFileS3Key: this.key };
  }

  abort(e: Error): void {
    if (!this.writer.stream.destroyed) this.writer.stream.destroy(e);
  }
}
