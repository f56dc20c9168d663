import { DescribeContinuousBackupsCommand, DescribeTableCommand, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { useState } from 'preact/hooks';
import { errorText, isAuthError } from '../aws.js';
import { fmtBytes, fmtCount, fmtDuration, fmtTime } from '../format.js';
import { useApp, useAsync } from '../hooks.js';
import { href } from '../router.js';
import { Alert, Button, ErrorAlert, Field, KV, Loading, Modal, Mono, Page, Panel, Status } from '../ui.js';
import { ExportTable, loadExportPage } from './exports.js';

export function TableDetailPage(props: { name: string }) {
  const { api, signOut } = useApp();
  const q = useAsync(
    async (a) => {
      const [t, b, now] = await Promise.all([
        a.ddb.send(new DescribeTableCommand({ TableName: props.name })),
        a.ddb.send(new DescribeContinuousBackupsCommand({ TableName: props.name })),
        a.serverNow(),
      ]);
      return { table: t.Table!, pitr: b.ContinuousBackupsDescription?.PointInTimeRecoveryDescription, now };
    },
    [props.name],
  );
  const exportsQ = useAsync(
    async (a) => (q.data ? loadExportPage(a, { tableArn: q.data.table.TableArn, pageSize: 10 }) : undefined),
    [q.data?.table.TableArn],
    (d) => (d?.rows.some((r) => r.ExportStatus === 'IN_PROGRESS') ? 2000 : undefined),
  );
  const [dialog, setDialog] = useState<'enable' | 'disable' | null>(null);
  const [days, setDays] = useState('35');
  const [dayError, setDayError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | undefined>();
  const [saved, setSaved] = useState<string | undefined>();

  async function update(enabled: boolean): Promise<void> {
    const n = Number(days);
    if (enabled && (!Number.isInteger(n) || n < 1 || n > 35)) {
      setDayError('Enter a whole number of days from 1 to 35.');
      return;
    }
    setDayError(undefined);
    setSaving(true);
    setSaveError(undefined);
    try {
      await api.ddb.send(
        new UpdateContinuousBackupsCommand({
          TableName: props.name,
          PointInTimeRecoverySpecification: enabled ? { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: n } : { PointInTimeRecoveryEnabled: false },
        }),
      );
      setDialog(null);
      setSaved(enabled ? `Point-in-time recovery is on for ${props.name} (${n} days).` : `Point-in-time recovery is off for ${props.name}.`);
      q.reload();
    } catch (e) {
      if (isAuthError(e)) return signOut('The server did not accept these credentials. Sign in again.');
      setSaveError(errorText(e));
    } finally {
      setSaving(false);
    }
  }

  const crumbs: Array<[string, string]> = [['Tables', href(['dynamodb', 'tables'])]];
  if (!q.data) {
    return (
      <Page title={props.name} crumbs={crumbs}>
        {q.loading ? <Loading what="table" /> : <ErrorAlert error={q.error} title={`Could not open table ${props.name}`} />}
      </Page>
    );
  }
  const { table: t, pitr, now } = q.data;
  const pk = t.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const sk = t.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  const typeOf = (n: string | undefined) => t.AttributeDefinitions?.find((a) => a.AttributeName === n)?.AttributeType;
  const on = pitr?.PointInTimeRecoveryStatus === 'ENABLED';
  const earliest = pitr?.EarliestRestorableDateTime?.getTime();
  const latest = pitr?.LatestRestorableDateTime?.getTime();

  return (
    <Page
      title={t.TableName!}
      crumbs={crumbs}
      actions={
        <>
          <Button onClick={() => { q.reload(); exportsQ.reload(); }}>Refresh</Button>
          <a class="btn primary" href={href(['dynamodb', 'exports', 'new'], { table: t.TableName })}>
            Export to S3
          </a>
        </>
      }
    >
      {saved && <Alert kind="success">{saved}</Alert>}
      <Panel title="Table details">
        <KV
          items={[
            ['Partition key', pk ? <Mono>{`${pk} (${typeOf(pk)})`}</Mono> : '—'],
            ['Sort key', sk ? <Mono>{`${sk} (${typeOf(sk)})`}</Mono> : '—'],
            ['Status', <Status value={t.TableStatus} />],
            ['Capacity mode', t.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'On-demand' : 'Provisioned'],
            ['Item count', fmtCount(t.ItemCount)],
            ['Table size', fmtBytes(t.TableSizeBytes)],
            ['Indexes', String((t.GlobalSecondaryIndexes?.length ?? 0) + (t.LocalSecondaryIndexes?.length ?? 0))],
            ['Created', fmtTime(t.CreationDateTime)],
            ['Deletion protection', t.DeletionProtectionEnabled ? 'On' : 'Off'],
            ['Amazon Resource Name (ARN)', <Mono>{t.TableArn}</Mono>],
          ]}
        />
      </Panel>
      <Panel
        title="Point-in-time recovery"
        id="pitr"
        actions={
          on ? (
            <>
              <Button onClick={() => { setDays(String(pitr?.RecoveryPeriodInDays ?? 35)); setDialog('enable'); }}>Edit period</Button>
              <Button variant="danger" onClick={() => setDialog('disable')}>
                Disable
              </Button>
            </>
          ) : (
            <Button variant="primary" onClick={() => { setDays('35'); setDialog('enable'); }}>
              Enable
            </Button>
          )
        }
      >
        <KV
          items={[
            ['Status', <Status value={pitr?.PointInTimeRecoveryStatus ?? 'DISABLED'} />],
            ['Recovery period', on ? `${pitr?.RecoveryPeriodInDays ?? 35} days` : '—'],
            ['Earliest restorable time', on ? fmtTime(earliest) : '—'],
            ['Latest restorable time', on ? fmtTime(latest) : '—'],
            on && earliest !== undefined && ['Restorable window', `${fmtDuration(Math.max(0, (latest ?? earliest) - earliest))}; exports may use any time up to now (${fmtTime(now)})`],
          ]}
        />
        {!on && <p class="muted">Turn on point-in-time recovery to restore this table to any second of the recovery period and to export it to Amazon S3.</p>}
      </Panel>
      <Panel title="Exports to S3" actions={<a class="btn" href={href(['dynamodb', 'exports'])}>View all exports</a>}>
        <ErrorAlert error={exportsQ.error} title="Could not list exports" />
        {exportsQ.data ? <ExportTable rows={exportsQ.data.rows} empty="No exports of this table in the past 90 days." /> : exportsQ.loading && <Loading what="exports" />}
      </Panel>
      {dialog === 'enable' && (
        <Modal
          title={on ? 'Edit point-in-time recovery' : 'Enable point-in-time recovery'}
          onClose={() => setDialog(null)}
          footer={
            <>
              <Button onClick={() => setDialog(null)}>Cancel</Button>
              <Button variant="primary" busy={saving} onClick={() => void update(true)} id="pitr-save">
                {on ? 'Save changes' : 'Enable point-in-time recovery'}
              </Button>
            </>
          }
        >
          {saveError && <Alert kind="error">{saveError}</Alert>}
          <Field id="recoveryDays" label="Recovery period (days)" hint="How far back the table can be restored or exported: 1 to 35 days." error={dayError}>
            <input id="recoveryDays" type="number" min={1} max={35} value={days} onInput={(e) => setDays(e.currentTarget.value)} />
          </Field>
        </Modal>
      )}
      {dialog === 'disable' && (
        <Modal
          title="Disable point-in-time recovery?"
          onClose={() => setDialog(null)}
          footer={
            <>
              <Button onClick={() => setDialog(null)}>Cancel</Button>
              <Button variant="danger" busy={saving} onClick={() => void update(false)} id="pitr-disable-confirm">
                Disable
              </Button>
            </>
          }
        >
          {saveError && <Alert kind="error">{saveError}</Alert>}
          <p>
            The table's history is discarded: it can no longer be restored or exported to a point in time until point-in-time recovery is enabled again, and then
            only from that moment on.
          </p>
        </Modal>
      )}
    </Page>
  );
}
