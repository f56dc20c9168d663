import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLoopback, type StrataConfig } from './config.js';
import { ConsoleHandler } from './console/console-handler.js';
import { dynamoOperations } from './dynamodb/operations.js';
import { DynamoService } from './dynamodb/service.js';
import { TtlSweeper } from './dynamodb/ttl-sweeper.js';
import { AdminHandler } from './pitr/admin-handler.js';
import { Clock } from './pitr/clock.js';
import { PitrService } from './pitr/pitr-service.js';
import { Authenticator } from './server/auth.js';
import { DynamoDbHandler } from './server/dynamodb-handler.js';
import { HttpServer } from './server/http-server.js';
import { SqliteStore } from './storage/sqlite/sqlite-store.js';
import { SqliteJobStore } from './storage/sqlite/sqlite-job-store.js';
import { exportOperations } from './export/export-operations.js';
import { ExportRunner } from './export/export-runner.js';
import { exportSinkFactory } from './export/export-sink.js';
import { ExportProgressHandler } from './export/export-progress-handler.js';
import { createS3Handler } from './server/s3-handler.js';
import { RdsService } from './rds/service.js';
import { rdsSinkFactory } from './rds/sink.js';
import { SourceRegistry } from './rds/sources/registry.js';
import { QueryProtocolHandler } from './server/query-protocol.js';

export interface RunningStrata {
  url: string;
  port: number;
  svc: DynamoService;
  pitr: PitrService;
  exports: ExportRunner;
  rds: RdsService;
  close(): Promise<void>;
}

/** Wires store, clock, services and protocol handlers together and starts listening. */
export async function startStrata(config: StrataConfig): Promise<RunningStrata> {
  const clock = new Clock();
  let path = ':memory:';
  if (!config.inMemory) {
    mkdirSync(config.dataDir, { recursive: true });
    path = join(config.dataDir, 'strata.db');
  }
  const store = new SqliteStore(path, () => clock.commitTs());
  clock.observe(store.lastCommitTs());
  const svc = new DynamoService(store, clock);
  const pitr = new PitrService(svc, { lagSeconds: config.pitrLagSeconds });
  const auth = new Authenticator(config.credentials, config.permissiveAuth, () => Date.now());
  const jobs = new SqliteJobStore(store.db);
  let selfUrl = '';
  const runner = new ExportRunner(svc, jobs, exportSinkFactory(config, auth, () => selfUrl), { concurrency: 2, segmentBytes: config.exportSegmentBytes });
  const operations = new Map(dynamoOperations);
  for (const [name, op] of exportOperations({ svc, jobs, limits: { maxInProgress: config.maxConcurrentExports, segmentBytes: config.exportSegmentBytes, incrementalMinSeconds: config.incrementalMinPeriodSeconds }, start: (s) => runner.start(s) })) {
    operations.set(name, op);
  }
  // RDS: registered databases, snapshots under <data>/rds (a temporary directory in memory mode), export tasks.
  const rdsRoot = config.inMemory ? mkdtempSync(join(tmpdir(), 'strata-rds-')) : join(config.dataDir, 'rds');
  const rds = new RdsService({
    jobs,
    sources: new SourceRegistry(config.rdsSources, config.inMemory ? null : config.dataDir),
    snapshotRoot: join(rdsRoot, 'snapshots'),
    options: {
      maxPartBytes: config.rdsPartitionBytes,
      maxReaders: config.rdsReaders,
      maxRunningExports: config.rdsMaxRunningExports,
      chunkDelayMs: Number(process.env.STRATA_TEST_RDS_CHUNK_DELAY_MS ?? 0),
    },
    sinkFor: rdsSinkFactory(config, auth, () => selfUrl),
  });
  const s3 = createS3Handler({ dataDir: config.inMemory ? null : config.dataDir, auth });
  const http = new HttpServer([new DynamoDbHandler(svc, auth, operations),
    new ExportProgressHandler(runner, jobs, auth),
    new AdminHandler(pitr, auth, { timeTravel: config.timeTravel, sweepTtl: () => sweeper.sweepOnce() }),
    // The web console (static app at /console; signs in by itself with the first key only on loopback).
    new ConsoleHandler({ autoSignIn: isLoopback(config.host) ? config.credentials[0] ?? null : null, defaultRegion: 'us-east-1' }),
    // AWS Query (RDS): claims requests on / signed for `rds` (and unsigned form posts), never S3's.
    new QueryProtocolHandler(auth, [rds.queryService()]),
    // Last: the S3 store claims whatever the others did not.
    s3]);
  const sweeper = new TtlSweeper(svc, config.ttlSweepSeconds * 1000);
  sweeper.start();
  pitr.start();
  const address = await http.listen(config.port, config.host);
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  selfUrl = `http://${hostForUrl}:${address.port}`;
  runner.recover();
  await rds.start();
  return {
    url: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    svc,
    pitr,
    exports: runner,
    rds,
    async close() {
      await rds.stop();
      sweeper.stop();
      pitr.stop();
      await runner.stop();
      await http.close();
      s3.close();
      store.close();
      if (config.inMemory) rmSync(rdsRoot, { recursive: true, force: true });
    },
  };
}
