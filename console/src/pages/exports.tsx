import { DescribeExportCommand, ListExportsCommand, type ExportDescription } from '@aws-sdk/client-dynamodb';
import { useState } from 'preact/hooks';
import type { Api } from '../aws.js';
import { fmtCount, fmtTime, tableNameOf, zoneLabel } from '../format.js';
import { useAsync } from '../hooks.js';
import { href, navigate, parseRoute } from '../router.js';
import { Breakable, Button, DataTable, Empty, ErrorAlert, Loading, Mono, Page, Panel, Status } from '../ui.js';

export interface ExportPage {
  rows: ExportDescription[];
  nextToken?: string;
}

/** One ListExports page (newest first), each row completed with its DescribeExport. */
export async function loadExportPage(api: Api, opts: { tableArn?: string; pageSize: number; token?: string }): Promise<ExportPage> {
  const list = await api.ddb.send(new ListExportsCommand({ TableArn: opts.tableArn, MaxResults: opts.pageSize, NextToken: opts.token }));
  const rows = await Promise.all(
    (list.ExportSummaries ?? []).map(async (s) => {
      try {
        const d = await api.ddb.send(new DescribeExportCommand({ ExportArn: s.ExportArn }));
        return { ...d.ExportDescription, ExportType: d.ExportDescription?.ExportType ?? s.ExportType };
      } catch {
        return { ExportArn: s.ExportArn, ExportStatus: s.ExportStatus, ExportType: s.ExportType } as ExportDescription;
      }
    }),
  );
  return { rows, nextToken: list.NextToken };
}

export const TYPE_LABEL: Record<string, string> = { FULL_EXPORT: 'Full', INCREMENTAL_EXPORT: 'Incremental' };
export const FORMAT_LABEL: Record<string, string> = { DYNAMODB_JSON: 'DynamoDB JSON', ION: 'Amazon Ion' };

function ExportTimeCell({ d }: { d: ExportDescription }) {
  const inc = d.IncrementalExportSpecification;
  if (d.ExportType === 'INCREMENTAL_EXPORT' && inc) {
    return (
      <span class="nowrap-stack">
        <span>{fmtTime(inc.ExportFromTime, false)}</span>
        <span class="muted">to {fmtTime(inc.ExportToTime, false)}</span>
      </span>
    );
  }
  return <span class="nowrap">{fmtTime(d.ExportTime, false)}</span>;
}

export function ExportTable(props: { rows: ExportDescription[]; empty: string }) {
  if (props.rows.length === 0) return <Empty>{props.empty}</Empty>;
  return (
    <DataTable label="Exports" id="exports">
      <thead>
        <tr>
          <th>Export ARN</th>
          <th>Table</th>
          <th>Status</th>
          <th>Type</th>
          <th>Format</th>
          <th>Export time ({zoneLabel()})</th>
          <th class="num">Items</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((d) => (
          <tr key={d.ExportArn} data-export={d.ExportArn}>
            <td class="arn">
              <a href={href(['dynamodb', 'exports', d.ExportArn!])}>
                <Breakable text={d.ExportArn} />
              </a>
            </td>
            <td>
              <a href={href(['dynamodb', 'tables', tableNameOf(d.TableArn ?? d.ExportArn)])}>{tableNameOf(d.TableArn ?? d.ExportArn)}</a>
            </td>
            <td data-col="status">
              <Status value={d.ExportStatus} />
            </td>
            <td class="nowrap">{TYPE_LABEL[d.ExportType ?? 'FULL_EXPORT']}</td>
            <td class="nowrap">{FORMAT_LABEL[d.ExportFormat ?? ''] ?? '—'}</td>
            <td>
              <ExportTimeCell d={d} />
            </td>
            <td class="num">{d.ExportStatus === 'COMPLETED' ? fmtCount(d.ItemCount) : '—'}</td>
          </tr>
        ))}
      </tbody>
    </DataTable>
  );
}

/** Rows per page: 10 by default, ?size=1..25 in the URL (ListExports returns at most 25). */
function pageSize(): number {
  const n = Number(parseRoute(location.hash).query.get('size') ?? 10);
  return Number.isInteger(n) && n >= 1 && n <= 25 ? n : 10;
}

export function ExportsPage() {
  const size = pageSize();
  // tokens[i] is the NextToken that opens page i (undefined for the first page).
  const [tokens, setTokens] = useState<Array<string | undefined>>([undefined]);
  const [page, setPage] = useState(0);
  const q = useAsync(
    (api) => loadExportPage(api, { pageSize: size, token: tokens[page] }),
    [page, tokens[page], size],
    (d) => (d.rows.some((r) => r.ExportStatus === 'IN_PROGRESS') ? 1500 : undefined),
  );
  const running = q.data?.rows.filter((r) => r.ExportStatus === 'IN_PROGRESS').length ?? 0;
  const next = (): void => {
    if (!q.data?.nextToken) return;
    const t = tokens.slice(0, page + 1);
    t.push(q.data.nextToken);
    setTokens(t);
    setPage(page + 1);
  };
  return (
    <Page
      title="Exports to S3"
      actions={
        <>
          <Button onClick={q.reload} busy={q.loading && !!q.data}>
            Refresh
          </Button>
          <a class="btn primary" href={href(['dynamodb', 'exports', 'new'])} id="export-to-s3">
            Export to S3
          </a>
        </>
      }
    >
      <p class="muted intro">
        Every export of the past 90 days, newest first. {running > 0 && <span class="live">Updating while {running} export{running > 1 ? 's run' : ' runs'}…</span>}
      </p>
      <Panel
        title="Exports"
        actions={
          <div class="pager" aria-label="Pages">
            <label class="page-size">
              <span>Per page</span>
              <select
                value={String(size)}
                onChange={(e) => {
                  setTokens([undefined]);
                  setPage(0);
                  navigate(href(['dynamodb', 'exports'], { size: e.currentTarget.value }));
                }}
              >
                {[...new Set([10, 25, size])].sort((a, b) => a - b).map((n) => (
                  <option key={n} value={String(n)}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
            <Button onClick={() => setPage(page - 1)} disabled={page === 0} aria-label="Previous page">
              ‹ Previous
            </Button>
            <span class="page-no">Page {page + 1}</span>
            <Button onClick={next} disabled={!q.data?.nextToken} aria-label="Next page">
              Next ›
            </Button>
          </div>
        }
      >
        <ErrorAlert error={q.error} title="Could not list exports" />
        {q.data ? <ExportTable rows={q.data.rows} empty="No exports in the past 90 days. Choose Export to S3 to start one." /> : q.loading && <Loading what="exports" />}
      </Panel>
    </Page>
  );
}

export function Arn(props: { value: string | undefined }) {
  return <Mono>{props.value ?? '—'}</Mono>;
}
