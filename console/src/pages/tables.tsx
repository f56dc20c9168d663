import { DescribeContinuousBackupsCommand, DescribeTableCommand, ListTablesCommand, type PointInTimeRecoveryDescription, type TableDescription } from '@aws-sdk/client-dynamodb';
import type { Api } from '../aws.js';
import { fmtBytes, fmtCount, fmtTime, zoneLabel } from '../format.js';
import { allPages, useAsync } from '../hooks.js';
import { href } from '../router.js';
import { DataTable, Empty, ErrorAlert, Loading, Page, Panel, Status, Button } from '../ui.js';

export interface TableRow {
  name: string;
  table?: TableDescription;
  pitr?: PointInTimeRecoveryDescription;
}

export async function listTableNames(api: Api): Promise<string[]> {
  return allPages(
    (token) => api.ddb.send(new ListTablesCommand({ ExclusiveStartTableName: token })),
    (p) => p.TableNames,
    (p) => p.LastEvaluatedTableName,
  );
}

/** DescribeTable and DescribeContinuousBackups for each table, a few at a time. */
export async function describeTables(api: Api, names: string[]): Promise<TableRow[]> {
  const rows: TableRow[] = names.map((name) => ({ name }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < rows.length) {
      const row = rows[next++]!;
      const [t, b] = await Promise.all([
        api.ddb.send(new DescribeTableCommand({ TableName: row.name })).catch(() => undefined),
        api.ddb.send(new DescribeContinuousBackupsCommand({ TableName: row.name })).catch(() => undefined),
      ]);
      row.table = t?.Table;
      row.pitr = b?.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return rows;
}

export function TablesPage() {
  const q = useAsync(async (api) => describeTables(api, await listTableNames(api)), []);
  return (
    <Page
      title="Tables"
      actions={
        <Button onClick={q.reload} busy={q.loading && !!q.data}>
          Refresh
        </Button>
      }
    >
      <Panel title={`Tables${q.data ? ` (${q.data.length})` : ''}`}>
        <ErrorAlert error={q.error} title="Could not list tables" />
        {!q.data && q.loading && <Loading what="tables" />}
        {q.data && q.data.length === 0 && <Empty>No tables in this account and region yet.</Empty>}
        {q.data && q.data.length > 0 && (
          <DataTable label="Tables" id="tables">
            <thead>
              <tr>
                <th>Name</th>
                <th>Status</th>
                <th>Point-in-time recovery</th>
                <th>Earliest restorable time ({zoneLabel()})</th>
                <th class="num">Items</th>
                <th class="num">Size</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {q.data.map((r) => (
                <tr key={r.name} data-table={r.name}>
                  <td>
                    <a href={href(['dynamodb', 'tables', r.name])}>{r.name}</a>
                  </td>
                  <td>
                    <Status value={r.table?.TableStatus} />
                  </td>
                  <td data-col="pitr">
                    <Status value={r.pitr?.PointInTimeRecoveryStatus} />
                  </td>
                  <td class="nowrap">{r.pitr?.PointInTimeRecoveryStatus === 'ENABLED' ? fmtTime(r.pitr.EarliestRestorableDateTime, false) : '—'}</td>
                  <td class="num">{fmtCount(r.table?.ItemCount)}</td>
                  <td class="num">{fmtBytes(r.table?.TableSizeBytes)}</td>
                  <td class="row-actions">
                    <a class="btn small" href={href(['dynamodb', 'exports', 'new'], { table: r.name })}>
                      Export to S3
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </DataTable>
        )}
      </Panel>
    </Page>
  );
}
