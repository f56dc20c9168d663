/**
 * What an export writes to S3 (spec 3): keys, export_info_<id>.json and export_tables_info_<id>_from_N_to_M.json.
 *
 *   [<S3Prefix>/]<ExportTaskIdentifier>/export_info_<id>.json
 *   [<S3Prefix>/]<ExportTaskIdentifier>/export_tables_info_<id>_from_<N>_to_<M>.json
 *   [<S3Prefix>/]<ExportTaskIdentifier>/<database>/<schema>.<table>/<batch>/part-<00000>-<uuid>-c000.gz.parquet
 *   [<S3Prefix>/]<ExportTaskIdentifier>/<database>/<schema>.<table>/<batch>/_SUCCESS
 *
 * Batch folders follow spec 3.3: a table split into ranges read in parallel has only `1/`; a table partitioned
 * into several tables has one batch per partition; a table read sequentially (MySQL/MariaDB) one batch per file.
 * The zero-byte `_SUCCESS` marker closing each batch folder is what real exports have been observed to hold
 * (spec 3.2, [O]); Spark-style readers skip it, and readers globbing `*.parquet` never see it.
 */
import { randomUUID } from 'node:crypto';
import type { CopiedTable } from './copy.js';
import type { ExportTaskState } from './state.js';
import { expectedExportedType, tableTarget, type Engine, type SkippedTable, type TableSpec } from './types.js';

/** Table entries per export_tables_info file. */
export const TABLES_PER_INFO_FILE = 100;
const GB = 1024 ** 3;

/** `\`, backtick, `"` and space become `_` in S3 paths (spec 3.1). */
export function pathSafe(s: string): string {
  return s.replace(/[\\`" ]/g, '_');
}

export function exportBase(t: Pick<ExportTaskState, 'S3Prefix' | 'ExportTaskIdentifier'>): string {
  const prefix = t.S3Prefix.replace(/\/+$/, '');
  return prefix ? `${prefix}/${t.ExportTaskIdentifier}` : t.ExportTaskIdentifier;
}

export function tableFolder(base: string, t: TableSpec): string {
  return `${base}/${pathSafe(t.database)}/${pathSafe(t.schema)}.${pathSafe(t.table)}`;
}

export function partKey(base: string, t: TableSpec, batch: number, index: number): string {
  return `${tableFolder(base, t)}/${batch}/part-${String(index).padStart(5, '0')}-${randomUUID()}-c000.gz.parquet`;
}

/** The `_SUCCESS` marker of each batch folder that received files. */
export function successKeys(base: string, t: TableSpec, batches: Iterable<number>): string[] {
  return [...new Set(batches)].sort((a, b) => a - b).map((b) => `${tableFolder(base, t)}/${b}/_SUCCESS`);
}

export function exportInfoKey(base: string, id: string): string {
  return `${base}/export_info_${id}.json`;
}

/** "Jul 19, 2023, 11:21:00 PM" (UTC), as export_tables_info shows extraction times. */
export function javaMediumDate(ms: number): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: 'UTC', month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit', hour12: true,
  })
    .format(new Date(ms))
    .replace(/[\u202f\u00a0]/g, ' ');
}

/** Per-table statistics kept with a snapshot (and computed for cluster exports) to write tables info from. */
export interface TableRecord {
  spec: TableSpec;
  rows: number;
  rawBytes: number;
  /** numberOfPartitions: the pieces read (ctid ranges, table partitions), or the batches of a sequential read. */
  partitions: number;
  /** ctid page range of the partitions, when split that way. */
  ctid?: { min: string; max: string };
  /** Batch folders written (absent in manifests from before batches: all in 1). */
  batches?: number[];
  /** MySQL zero dates (`0000-00-00 ...` DATETIME/TIMESTAMP values) exported as NULL. */
  zeroDates?: number;
  startedAt: number;
  endedAt: number;
}

/**
 * The ctid bounds are those of the page ranges read, written the way AWS's own tables info shows them
 * (spec 3.5: `(0,1)` to `(<last page>,1)`), the last page being the table's size when the snapshot was taken.
 */
export function tableRecord(c: CopiedTable): TableRecord {
  const ctidSplit = c.partitions.length > 1 && c.partitions.every((p) => p.lo !== undefined || p.hi !== undefined) && !c.spec.leaves;
  const sequential = c.partitions.some((p) => p.sequential);
  const batches = [...new Set(c.parts.map((p) => p.batch))].sort((a, b) => a - b);
  return {
    spec: c.spec,
    rows: c.parts.reduce((n, p) => n + p.rows, 0),
    rawBytes: c.parts.reduce((n, p) => n + p.rawBytes, 0),
    partitions: sequential ? Math.max(1, batches.length) : c.partitions.length,
    ...(ctidSplit ? { ctid: { min: '(0,1)', max: `(${Math.max(0, c.spec.pages - 1)},1)` } } : {}),
    batches,
    ...(c.nulled ? { zeroDates: c.nulled } : {}),
    startedAt: c.startedAt,
    endedAt: c.endedAt,
  };
}

/** The export_tables_info files: one entry per table exported, then one per table skipped. */
export function tablesInfoFiles(base: string, task: ExportTaskState, engine: Engine, tables: TableRecord[], skipped: SkippedTable[]): { key: string; body: string }[] {
  const entries: unknown[] = tables.map((t) => ({
    tableStatistics: {
      extractionStartTime: javaMediumDate(t.startedAt),
      extractionEndTime: javaMediumDate(t.endedAt),
      partitioningInfo: {
        numberOfPartitions: t.partitions,
        numberOfCompletedPartitions: t.partitions,
        ...(t.ctid
          ? { constraintType: 'CTID', partitionColumns: [{ columnType: 'TID', columnName: 'ctid', min: t.ctid.min, max: t.ctid.max }] }
          : {}),
      },
    },
    schemaMetadata: {
      originalTypeMappings: t.spec.columns.map((c) => ({
        columnName: c.name,
        originalType: c.originalType,
        expectedExportedType: expectedExportedType(c),
        originalCharMaxLength: c.charMaxLength,
        originalNumPrecision: c.numPrecision,
        originalDateTimePrecision: c.dateTimePrecision,
      })),
    },
    status: 'COMPLETE',
    sizeGB: t.rawBytes / GB,
    target: tableTarget(t.spec, engine),
  }));
  for (const s of skipped) entries.push({ warningMessage: s.reason, target: s.target });
  const files: { key: string; body: string }[] = [];
  for (let i = 0; i < Math.max(1, entries.length); i += TABLES_PER_INFO_FILE) {
    const chunk = entries.slice(i, i + TABLES_PER_INFO_FILE);
    const from = i + 1;
    const to = i + Math.max(1, chunk.length);
    files.push({ key: `${base}/export_tables_info_${task.ExportTaskIdentifier}_from_${from}_to_${to}.json`, body: JSON.stringify({ perTableStatus: chunk }) });
  }
  return files;
}

export function exportInfo(base: string, task: ExportTaskState): string {
  return JSON.stringify({
    exportTaskIdentifier: task.ExportTaskIdentifier,
    sourceArn: task.SourceArn,
    exportOnly: task.ExportOnly ?? [],
    snapshotTime: new Date(task.SnapshotTime).toISOString(),
    taskStartTime: new Date(task.TaskStartTime ?? task.createdAt).toISOString(),
    taskEndTime: new Date(task.TaskEndTime ?? Date.now()).toISOString(),
    s3Bucket: task.S3Bucket,
    s3Prefix: task.S3Prefix,
    exportedFilesPath: base,
    iamRoleArn: task.IamRoleArn,
    kmsKeyId: task.KmsKeyId,
    status: task.Status,
    percentProgress: task.PercentProgress,
    totalExportedDataInGB: task.extractedBytes / GB,
    sourceType: task.SourceType,
    ...(task.WarningMessage ? { warningMessage: task.WarningMessage } : {}),
  });
}

/**
 * WarningMessage: JSON text (spec 3.6), absent when there is nothing to say. `general` carries, per table, the
 * MySQL zero dates exported as NULL (Parquet's TIMESTAMP has no year 0), with a reason of Strata's own naming.
 */
export function warningMessage(skipped: SkippedTable[], skippedObjectives: string[], tables: TableRecord[] = [], engine?: Engine): string | undefined {
  const general = tables
    .filter((t) => (t.zeroDates ?? 0) > 0)
    .map((t) => ({ reason: 'ZERO_DATES_EXPORTED_AS_NULL', target: tableTarget(t.spec, engine ?? 'mysql'), count: t.zeroDates }));
  if (skipped.length === 0 && skippedObjectives.length === 0 && general.length === 0) return undefined;
  return JSON.stringify({
    skippedTables: skipped.map((s) => ({ target: s.target, reason: s.reason })),
    skippedObjectives: skippedObjectives.map((o) => ({ objective: o, reason: 'NOT_FOUND' })),
    general,
  });
}

/** The skipped tables an ExportOnly list covers (all of them without one): a skip outside the export is no warning. */
export function skippedInScope(skipped: SkippedTable[], exportOnly: string[] | undefined): SkippedTable[] {
  if (!exportOnly || exportOnly.length === 0) return skipped;
  return skipped.filter((s) => exportOnly.some((e) => s.target === e || s.target.startsWith(`${e}.`)));
}

/** Tables an ExportOnly list selects, and the entries that matched nothing. */
export function selectTables(tables: TableSpec[], exportOnly: string[] | undefined, engine: Engine): { selected: TableSpec[]; unmatched: string[] } {
  if (!exportOnly || exportOnly.length === 0) return { selected: tables, unmatched: [] };
  const matchers = exportOnly.map((e) => {
    const p = e.split('.');
    return {
      e,
      hit: (t: TableSpec): boolean =>
        t.database === p[0] &&
        (engine === 'postgres'
          ? (p[1] === undefined || t.schema === p[1]) && (p[2] === undefined || t.table === p[2])
          : p[1] === undefined || t.table === p[1]),
    };
  });
  const selected = tables.filter((t) => matchers.some((m) => m.hit(t)));
  const unmatched = matchers.filter((m) => !tables.some((t) => m.hit(t))).map((m) => m.e);
  return { selected, unmatched };
}
