/** The RDS API of Strata: operations by Action name, and the background runners they drive. */
import type { QueryOperation, QueryService, XmlNode } from '../server/query-protocol.js';
import type { RequestContext } from '../server/request-context.js';
import type { QueryParams } from '../server/query-protocol.js';
import type { RdsContext } from './context.js';
import { fault } from './errors.js';
import { defaultEncoderThreads, ParquetEncoderPool } from './parquet-encoder-pool.js';
import { cancelExportTask, describeExportTasks, ExportTaskRunner, startExportTask } from './export-tasks.js';
import { dbClusterXml, dbInstanceXml } from './shapes.js';
import { createSnapshot, deleteSnapshot, describeSnapshots, maxRecords, paginate, SnapshotRunner } from './snapshots.js';
import type { SourceKind } from './sources/source.js';

export const RDS_NAMESPACE = 'http://rds.amazonaws.com/doc/2014-10-31/';
export const RDS_VERSION = '2014-10-31';

export class RdsService {
  readonly ctx: RdsContext;
  readonly snapshots: SnapshotRunner;
  readonly exports: ExportTaskRunner;
  private readonly encoders: ParquetEncoderPool | undefined;

  constructor(ctx: RdsContext) {
    // Parquet is encoded on worker threads unless the context brings its own encoder (STRATA_RDS_ENCODERS=0: this thread).
    const threads = ctx.encoder ? 0 : defaultEncoderThreads();
    this.encoders = threads > 0 ? new ParquetEncoderPool(threads) : undefined;
    this.ctx = { ...ctx, encoder: ctx.encoder ?? this.encoders };
    this.snapshots = new SnapshotRunner(this.ctx);
    this.exports = new ExportTaskRunner(this.ctx);
  }

  async start(): Promise<void> {
    await this.snapshots.recover();
    this.exports.recover();
    this.ctx.sources.probeAll();
  }

  async stop(): Promise<void> {
    await this.exports.stop();
    await this.snapshots.stop();
    await this.ctx.sources.close();
    await this.encoders?.close();
  }

  queryService(): QueryService {
    const x = this.ctx;
    const ops: [string, QueryOperation][] = [
      ['DescribeDBInstances', (rc, p) => this.describeSources('instance', rc, p)],
      ['DescribeDBClusters', (rc, p) => this.describeSources('cluster', rc, p)],
      ['CreateDBSnapshot', (rc, p) => createSnapshot(x, this.snapshots, 'db', rc, p)],
      ['CreateDBClusterSnapshot', (rc, p) => createSnapshot(x, this.snapshots, 'cluster', rc, p)],
      ['DescribeDBSnapshots', (rc, p) => describeSnapshots(x, 'db', rc, p)],
      ['DescribeDBClusterSnapshots', (rc, p) => describeSnapshots(x, 'cluster', rc, p)],
      ['DeleteDBSnapshot', (rc, p) => deleteSnapshot(x, 'db', rc, p)],
      ['DeleteDBClusterSnapshot', (rc, p) => deleteSnapshot(x, 'cluster', rc, p)],
      ['StartExportTask', (rc, p) => startExportTask(x, this.exports, rc, p)],
      ['DescribeExportTasks', (rc, p) => describeExportTasks(x, rc, p)],
      ['CancelExportTask', (rc, p) => cancelExportTask(x, this.exports, rc, p)],
    ];
    return { signingName: 'rds', version: RDS_VERSION, namespace: RDS_NAMESPACE, operations: new Map(ops) };
  }

  private async describeSources(kind: SourceKind, rc: RequestContext, p: QueryParams): Promise<XmlNode[]> {
    const idParam = kind === 'instance' ? 'DBInstanceIdentifier' : 'DBClusterIdentifier';
    const max = maxRecords(p);
    const id = p.string(idParam);
    let list = this.ctx.sources.list(kind);
    if (id) {
      list = list.filter((s) => s.def.id === id.toLowerCase());
      if (list.length === 0) {
        throw kind === 'instance' ? fault('DBInstanceNotFound', `DBInstance ${id} not found.`, 404) : fault('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);
      }
    }
    await Promise.all(list.map((s) => Promise.race([s.engine(), new Promise((r) => setTimeout(r, 3000))])));
    const { page, marker } = paginate(list, p.string('Marker'), max);
    return kind === 'instance'
      ? [['Marker', marker], ['DBInstances', page.map((s) => ['DBInstance', dbInstanceXml(s, rc.region, rc.account)] as XmlNode)]]
      : [['Marker', marker], ['DBClusters', page.map((s) => ['DBCluster', dbClusterXml(s, rc.region, rc.account)] as XmlNode)]];
  }
}
