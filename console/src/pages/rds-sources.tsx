import { CreateDBSnapshotCommand, DescribeDBClusterSnapshotsCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, type DBInstance } from '@aws-sdk/client-rds';
import { useState } from 'preact/hooks';
import { errorText, isAuthError } from '../aws.js';
import { fmtTime, zoneLabel } from '../format.js';
import { allPages, useApp, useAsync } from '../hooks.js';
import { href, navigate } from '../router.js';
import { Alert, Button, DataTable, Empty, ErrorAlert, Field, Loading, Modal, Page, Panel, Status } from '../ui.js';

function exportLink(arn: string | undefined) {
  return (
    <a class="btn small" href={href(['rds', 'exports', 'new'], { source: arn })}>
      Export to Amazon S3
    </a>
  );
}

export function RdsSnapshotsPage() {
  const q = useAsync(
    async (api) => {
      const [db, cluster] = await Promise.all([
        allPages((m) => api.rds.send(new DescribeDBSnapshotsCommand({ Marker: m, MaxRecords: 100 })), (p) => p.DBSnapshots, (p) => p.Marker),
        allPages((m) => api.rds.send(new DescribeDBClusterSnapshotsCommand({ Marker: m, MaxRecords: 100 })), (p) => p.DBClusterSnapshots, (p) => p.Marker),
      ]);
      return { db, cluster };
    },
    [],
    (r) => ([...r.db, ...r.cluster].some((s) => s.Status === 'creating') ? 1500 : undefined),
  );
  return (
    <Page title="Snapshots" actions={<Button onClick={q.reload}>Refresh</Button>}>
      <ErrorAlert error={q.error} title="Could not list snapshots" />
      {!q.data && q.loading && <Loading what="snapshots" />}
      {q.data && (
        <>
          <Panel title={`DB snapshots (${q.data.db.length})`}>
            {q.data.db.length === 0 ? (
              <Empty>No DB snapshots. Take one from a DB instance on the Databases page.</Empty>
            ) : (
              <DataTable label="DB snapshots" id="rds-snapshots">
                <thead>
                  <tr>
                    <th>Snapshot</th>
                    <th>DB instance</th>
                    <th>Engine</th>
                    <th>Status</th>
                    <th>Type</th>
                    <th>Snapshot time ({zoneLabel()})</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {q.data.db.map((s) => (
                    <tr key={s.DBSnapshotArn} data-snapshot={s.DBSnapshotIdentifier}>
                      <td class="mono">{s.DBSnapshotIdentifier}</td>
                      <td>{s.DBInstanceIdentifier}</td>
                      <td>
                        {s.Engine} {s.EngineVersion}
                      </td>
                      <td>
                        <Status value={s.Status} />
                      </td>
                      <td>{s.SnapshotType}</td>
                      <td class="nowrap">{fmtTime(s.SnapshotCreateTime, false)}</td>
                      <td class="row-actions">{s.Status === 'available' && exportLink(s.DBSnapshotArn)}</td>
                    </tr>
                  ))}
                </tbody>
              </DataTable>
            )}
          </Panel>
          <Panel title={`DB cluster snapshots (${q.data.cluster.length})`}>
            {q.data.cluster.length === 0 ? (
              <Empty>No DB cluster snapshots.</Empty>
            ) : (
              <DataTable label="DB cluster snapshots" id="rds-cluster-snapshots">
                <thead>
                  <tr>
                    <th>Snapshot</th>
                    <th>DB cluster</th>
                    <th>Engine</th>
                    <th>Status</th>
                    <th>Type</th>
                    <th>Snapshot time ({zoneLabel()})</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {q.data.cluster.map((s) => (
                    <tr key={s.DBClusterSnapshotArn} data-snapshot={s.DBClusterSnapshotIdentifier}>
                      <td class="mono">{s.DBClusterSnapshotIdentifier}</td>
                      <td>{s.DBClusterIdentifier}</td>
                      <td>
                        {s.Engine} {s.EngineVersion}
                      </td>
                      <td>
                        <Status value={s.Status} />
                      </td>
                      <td>{s.SnapshotType}</td>
                      <td class="nowrap">{fmtTime(s.SnapshotCreateTime, false)}</td>
                      <td class="row-actions">{s.Status === 'available' && exportLink(s.DBClusterSnapshotArn)}</td>
                    </tr>
                  ))}
                </tbody>
              </DataTable>
            )}
          </Panel>
        </>
      )}
    </Page>
  );
}

export function RdsDatabasesPage() {
  const { api, signOut } = useApp();
  const q = useAsync(async (a) => {
    const [instances, clusters] = await Promise.all([
      allPages((m) => a.rds.send(new DescribeDBInstancesCommand({ Marker: m, MaxRecords: 100 })), (p) => p.DBInstances, (p) => p.Marker),
      allPages((m) => a.rds.send(new DescribeDBClustersCommand({ Marker: m, MaxRecords: 100 })), (p) => p.DBClusters, (p) => p.Marker),
    ]);
    return { instances, clusters };
  }, []);
  const [snapFor, setSnapFor] = useState<DBInstance | undefined>();
  const [snapId, setSnapId] = useState('');
  const [snapError, setSnapError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function takeSnapshot(): Promise<void> {
    if (!snapFor) return;
    if (!snapId.trim()) {
      setSnapError('Enter a name for the snapshot.');
      return;
    }
    setBusy(true);
    setSnapError(undefined);
    try {
      await api.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: snapFor.DBInstanceIdentifier, DBSnapshotIdentifier: snapId.trim() }));
      setSnapFor(undefined);
      navigate(href(['rds', 'snapshots']));
    } catch (e) {
      if (isAuthError(e)) return signOut('The server did not accept these credentials. Sign in again.');
      setSnapError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title="Databases" actions={<Button onClick={q.reload}>Refresh</Button>}>
      <ErrorAlert error={q.error} title="Could not list databases" />
      {!q.data && q.loading && <Loading what="databases" />}
      {q.data && (
        <>
          <Panel title={`DB clusters (${q.data.clusters.length})`}>
            {q.data.clusters.length === 0 ? (
              <Empty>No DB clusters.</Empty>
            ) : (
              <DataTable label="DB clusters" id="rds-clusters">
                <thead>
                  <tr>
                    <th>Cluster</th>
                    <th>Engine</th>
                    <th>Status</th>
                    <th>Members</th>
                    <th>Created ({zoneLabel()})</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {q.data.clusters.map((c) => (
                    <tr key={c.DBClusterArn} data-cluster={c.DBClusterIdentifier}>
                      <td class="mono">{c.DBClusterIdentifier}</td>
                      <td>
                        {c.Engine} {c.EngineVersion}
                      </td>
                      <td>
                        <Status value={c.Status} />
                      </td>
                      <td>{(c.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier).join(', ') || '—'}</td>
                      <td class="nowrap">{fmtTime(c.ClusterCreateTime, false)}</td>
                      <td class="row-actions">{exportLink(c.DBClusterArn)}</td>
                    </tr>
                  ))}
                </tbody>
              </DataTable>
            )}
          </Panel>
          <Panel title={`DB instances (${q.data.instances.length})`}>
            {q.data.instances.length === 0 ? (
              <Empty>No DB instances.</Empty>
            ) : (
              <DataTable label="DB instances" id="rds-instances">
                <thead>
                  <tr>
                    <th>DB instance</th>
                    <th>Engine</th>
                    <th>Status</th>
                    <th>Cluster</th>
                    <th>Endpoint</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {q.data.instances.map((i) => (
                    <tr key={i.DBInstanceArn} data-instance={i.DBInstanceIdentifier}>
                      <td class="mono">{i.DBInstanceIdentifier}</td>
                      <td>
                        {i.Engine} {i.EngineVersion}
                      </td>
                      <td>
                        <Status value={i.DBInstanceStatus} />
                      </td>
                      <td>{i.DBClusterIdentifier ?? '—'}</td>
                      <td class="mono">{i.Endpoint ? `${i.Endpoint.Address}:${i.Endpoint.Port}` : '—'}</td>
                      <td class="row-actions">
                        <Button
                          class="small"
                          onClick={() => {
                            setSnapFor(i);
                            setSnapId(`${i.DBInstanceIdentifier}-${new Date().toISOString().slice(0, 19).replace(/[T:]/g, '-')}`);
                            setSnapError(undefined);
                          }}
                        >
                          Take snapshot
                        </Button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </DataTable>
            )}
          </Panel>
        </>
      )}
      {snapFor && (
        <Modal
          title={`Take a snapshot of ${snapFor.DBInstanceIdentifier}`}
          onClose={() => setSnapFor(undefined)}
          footer={
            <>
              <Button onClick={() => setSnapFor(undefined)}>Cancel</Button>
              <Button variant="primary" busy={busy} onClick={() => void takeSnapshot()} id="snapshot-create">
                Take snapshot
              </Button>
            </>
          }
        >
          {snapError && <Alert kind="error">{snapError}</Alert>}
          <Field id="snapshotId" label="Snapshot name" hint="Letters, digits and hyphens; starts with a letter." error={undefined}>
            <input id="snapshotId" value={snapId} onInput={(e) => setSnapId(e.currentTarget.value)} />
          </Field>
        </Modal>
      )}
    </Page>
  );
}
