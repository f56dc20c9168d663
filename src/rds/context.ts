import type { S3Sink } from '../s3/sink.js';
import type { ParquetEncoder } from './parquet-writer.js';
import type { JobStore } from '../storage/jobs.js';
import type { SourceRegistry } from './sources/registry.js';
import type { ExportTaskState } from './state.js';

export interface RdsOptions {
  /** Values per Parquet file before a table is split into another part. */
  maxPartBytes: number;
  /** Connections reading one PostgreSQL database in parallel (sharing the exported snapshot). */
  maxReaders: number;
  /** Export tasks running at once (the rest wait in STARTING). */
  maxRunningExports: number;
  /** Tests only: pause between chunks so a task can be observed in progress. */
  chunkDelayMs: number;
}

export interface RdsContext {
  jobs: JobStore;
  sources: SourceRegistry;
  /** Where snapshots keep their data. */
  snapshotRoot: string;
  options: RdsOptions;
  sinkFor: (task: ExportTaskState, account: string) => S3Sink;
  /** Where Parquet is encoded (RdsService sets its worker pool; absent: the main thread). */
  encoder?: ParquetEncoder;
}
