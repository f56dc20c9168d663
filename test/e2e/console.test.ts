import { BatchWriteItemCommand, CreateTableCommand, DeleteItemCommand, PutItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { advance, nowMs } from '../helpers/admin.js';
import { dynamo } from '../helpers/clients.js';
import { s3 } from '../helpers/exports.js';
import { removeDir, startStrataProcess, type StrataProcess } from '../helpers/strata-process.js';
import { join } from 'node:path';
import { browserMissing, launch, SCREENSHOTS, type Browser } from './browser.js';

/**
 * The web console in headless Chromium, against a real `strata serve`: everything the console shows or
 * changes goes through the AWS APIs signed in the browser. Screenshots land in test/e2e/screenshots/.
 */
const skip = browserMissing();
const TABLE = 'MusicCollection';
const BUCKET = 'ddb-exports';
const ITEMS = 600;
const KMS_KEY = 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab';

let strata: StrataProcess;
let ddb: DynamoDBClient;
let bucket: S3Client;
let b: Browser;
let page: Page;

async function go(hash: string): Promise<void> {
  await page.goto(`${strata.url}/console/${hash}`);
}

/** The data-status of the Status value in a details panel. */
async function statusIn(panel: string): Promise<string | null> {
  return page.locator(`${panel} [data-field="Status"] [data-status]`).first().getAttribute('data-status');
}

async function waitStatus(panel: string, status: string, timeout = 30_000): Promise<void> {
  await page.locator(`${panel} [data-field="Status"] [data-status="${status}"]`).first().waitFor({ timeout });
}

/** Waits until the exports list shows exactly n rows (a string waitForFunction would need eval, which the CSP forbids). */
async function exportRows(n: number, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while ((await page.locator('#exports tbody tr').count()) !== n) {
    if (Date.now() > deadline) throw new Error(`the exports list did not show ${n} rows`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function loadItems(from: number, to: number): Promise<void> {
  const writes: WriteRequest[] = [];
  for (let i = from; i < to; i++) {
    writes.push({
      PutRequest: {
        Item: {
          Artist: { S: `Artist ${i % 40}` },
          SongTitle: { S: `Song ${String(i).padStart(5, '0')}` },
          AlbumTitle: { S: `Album ${i % 17} – ${'la '.repeat(40)}` },
          Year: { N: String(1960 + (i % 60)) },
        },
      },
    });
  }
  for (let i = 0; i < writes.length; i += 25) await ddb.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: writes.slice(i, i + 25) } }));
}

describe('web console (headless Chromium)', { skip }, () => {
  before(async () => {
    strata = await startStrataProcess(['--pitr-lag', '0', '--export-segment-mb', '0.0015', '--rds-cluster', 'aurora-1=pglite:'], { env: { STRATA_TEST_RDS_CHUNK_DELAY_MS: '2500' } });
    ddb = dynamo(strata.url);
    bucket = s3(strata.url);
    await ddb.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [{ AttributeName: 'Artist', KeyType: 'HASH' }, { AttributeName: 'SongTitle', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'Artist', AttributeType: 'S' }, { AttributeName: 'SongTitle', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await bucket.send(new CreateBucketCommand({ Bucket: BUCKET }));
    b = await launch();
    page = b.page;
  });

  after(async () => {
    await b?.close();
    ddb?.destroy();
    bucket?.destroy();
    await strata?.stop();
    if (strata) removeDir(strata.dataDir);
  });

  test('on loopback the console signs in by itself and lists tables with their PITR status', async () => {
    await go('');
    await page.locator('#tables tr[data-table="MusicCollection"]').waitFor();
    assert.equal(await page.locator('tr[data-table="MusicCollection"] [data-col="pitr"] [data-status]').getAttribute('data-status'), 'DISABLED');
    await b.shot('01-tables');
  });

  test('enable point-in-time recovery from the table overview', async () => {
    await page.click('text=MusicCollection');
    await page.locator('#pitr').waitFor();
    assert.equal(await statusIn('#pitr'), 'DISABLED');
    await page.click('#pitr button:has-text("Enable")');
    await page.fill('#recoveryDays', '36');
    await page.click('#pitr-save');
    assert.match(await page.locator('[data-field="recoveryDays"] .field-error').innerText(), /1 to 35/);
    await page.fill('#recoveryDays', '7');
    await page.click('#pitr-save');
    await waitStatus('#pitr', 'ENABLED');
    assert.match(await page.locator('#pitr [data-field="Recovery period"] dd').innerText(), /7 days/);
    assert.match(await page.locator('#pitr [data-field="Earliest restorable time"] dd').innerText(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    await loadItems(0, ITEMS);
    await page.click('text=Refresh');
    await page.locator('[data-field="Item count"] dd:has-text("600")').waitFor();
    await b.shot('02-table-overview-pitr');
  });

  let fullArn = '';

  test('a full export: the form, Browse S3, then the details with progress, every field and the files', async () => {
    await go('#/dynamodb/exports');
    await page.click('#export-to-s3');
    await page.locator('#export-form').waitFor();
    await page.selectOption('#table', TABLE);
    await page.locator('#restorable-window').waitFor();
    // Validation next to the field: nothing entered, then a URL that is not s3://.
    await page.click('#start-export');
    assert.match(await page.locator('[data-field="destination"] .field-error').innerText(), /s3:\/\/bucket\/prefix/);
    await page.fill('#destination', 'ddb-exports/music');
    await page.click('#start-export');
    assert.match(await page.locator('[data-field="destination"] .field-error').innerText(), /s3:\/\/bucket\/prefix format/);
    await b.shot('03-export-form-validation');
    await page.click('#browse-s3');
    await page.locator(`[data-bucket="${BUCKET}"]`).click();
    await page.click('#s3-choose');
    assert.equal(await page.inputValue('#destination'), `s3://${BUCKET}`);
    await page.fill('#destination', `s3://${BUCKET}/music`);
    await page.click('#time-pit');
    await page.locator('#exportTime').waitFor();
    // A time before the window: the API's InvalidExportTimeException is shown next to the time field.
    await page.fill('#exportTime', '2001-01-01T00:00:00');
    await page.click('#start-export');
    assert.match(await page.locator('[data-field="exportTime"] .field-error').innerText(), /^Export Time is invalid$/);
    await page.click('#time-now');
    await b.shot('04-export-form');
    await page.click('#start-export');
    await page.locator('#details').waitFor();
    // Small data files make this export take a few seconds: the page follows it with a progress bar.
    await page.locator('#progress [role="progressbar"]').waitFor({ timeout: 10_000 });
    assert.equal(await statusIn('#details'), 'IN_PROGRESS');
    await b.shot('05-export-full-running');
    fullArn = decodeURIComponent(new URL(page.url()).hash.split('/')[3]!.split('?')[0]!);
    // The list follows running exports by itself (when this one is still running by the time it loads).
    await go('#/dynamodb/exports');
    const row = page.locator(`#exports tr[data-export="${fullArn}"] [data-col="status"] [data-status]`);
    await row.waitFor();
    if ((await row.getAttribute('data-status')) === 'IN_PROGRESS') {
      await page.locator(`#exports tr[data-export="${fullArn}"] [data-status="COMPLETED"]`).waitFor({ timeout: 30_000 });
    }
    await page.click(`a:has-text("${fullArn}")`);
    await page.locator('#details').waitFor();
    assert.match(fullArn, /^arn:aws:dynamodb:us-east-1:000000000000:table\/MusicCollection\/export\/\d{14}-[0-9a-f]{8}$/);
    await waitStatus('#details', 'COMPLETED');
    await page.locator('#exported-files').waitFor();
    const field = (k: string) => page.locator(`#details [data-field="${k}"] dd`).innerText();
    assert.equal(await field('Export ARN'), fullArn);
    assert.equal(await field('Item count'), '600');
    assert.equal(await field('Export type'), 'Full');
    assert.equal(await field('Export format'), 'DynamoDB JSON');
    assert.equal(await field('Destination S3 bucket'), `s3://${BUCKET}/music`);
    assert.match(await field('Export manifest'), /^music\/AWSDynamoDB\/\d{14}-[0-9a-f]{8}\/manifest-summary\.json$/);
    // The manifests and data files, each downloadable through a presigned URL of the embedded store.
    await page.click('#show-all-files');
    const rows = page.locator('#exported-files tbody tr');
    const keys = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key') ?? ''));
    assert.ok(keys.some((k) => k.endsWith('/manifest-summary.json')));
    assert.ok(keys.some((k) => k.endsWith('/manifest-files.json')));
    const dataKeys = keys.filter((k) => k.endsWith('.json.gz'));
    assert.ok(dataKeys.length >= 2, `several data files: ${dataKeys.join(', ')}`);
    let lines = 0;
    for (const k of dataKeys) {
      const url = await page.locator(`#exported-files tr[data-key="${k}"] a:has-text("Download")`).getAttribute('href');
      assert.match(url!, /X-Amz-Signature=/);
      const res = await page.context().request.get(url!);
      assert.equal(res.status(), 200);
      assert.match(res.headers()['content-disposition'] ?? '', /attachment/);
      const body = await res.body();
      const fileLines = gunzipSync(body).toString('utf8').split('\n').filter(Boolean).length;
      // The row's item count and size are the file's own.
      const cells = await page.locator(`#exported-files tr[data-key="${k}"] td`).allInnerTexts();
      assert.equal(cells[2]!.trim(), String(fileLines));
      assert.equal(cells[3]!.trim(), body.length < 1024 ? `${body.length} B` : `${(body.length / 1024).toFixed(body.length / 1024 < 10 ? 2 : 1)} KB`);
      lines += fileLines;
    }
    assert.equal(lines, ITEMS);
    await page.click('#show-all-files');
    await b.shot('06-export-full-details');
  });

  test('an incremental export over a period of the window, after changes', async () => {
    // The period starts on a whole second after the full export; the clock moves past it before the changes.
    const from = Math.ceil((await nowMs(strata.url)) / 1000) * 1000;
    await advance(strata.url, 1);
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { Artist: { S: 'New Artist' }, SongTitle: { S: 'New Song' }, Year: { N: '2026' } } }));
    await ddb.send(new DeleteItemCommand({ TableName: TABLE, Key: { Artist: { S: 'Artist 0' }, SongTitle: { S: 'Song 00000' } } }));
    await loadItems(10, 20); // rewrites 10 items: same values, new versions
    // Strata's clock moves on 30 minutes (time travel): the period must be at least 15 minutes.
    await advance(strata.url, 1800);
    await go(`#/dynamodb/exports/new?table=${TABLE}`);
    await page.locator('#restorable-window').waitFor();
    await page.fill('#destination', `s3://${BUCKET}/music`);
    await page.click('#type-incremental');
    // A period shorter than 15 minutes: the API's error lands next to the period.
    const to = await page.inputValue('#incTo');
    const tenMinBefore = new Date(Date.parse(`${to}Z`) - 600_000).toISOString().slice(0, 19);
    await page.fill('#incFrom', tenMinBefore);
    await page.click('#start-export');
    assert.match(await page.locator('[data-field="incFrom"] .field-error').innerText(), /^Difference between export period from time and export period to time is less than 15 minutes$/);
    await b.shot('07-export-form-incremental-error');
    await page.fill('#incFrom', new Date(from).toISOString().slice(0, 19)); // the browser runs in UTC
    await page.click('#view-new');
    await page.click('#format-ion');
    // SSE-KMS needs a key: asked for next to the field, then given.
    await page.click('#sse-kms');
    await page.click('#start-export');
    assert.match(await page.locator('[data-field="kmsKey"] .field-error').innerText(), /KMS key/);
    await page.fill('#kmsKey', KMS_KEY);
    await page.click('#start-export');
    await page.locator('#details').waitFor();
    await waitStatus('#details', 'COMPLETED');
    const field = (k: string) => page.locator(`#details [data-field="${k}"] dd`).innerText();
    assert.equal(await field('Export type'), 'Incremental');
    assert.equal(await field('Export view type'), 'New images');
    assert.equal(await field('Export format'), 'Amazon Ion');
    assert.equal(await field('Item count'), '12');
    assert.equal(await field('Encryption'), 'AWS KMS key (SSE-KMS)');
    assert.equal(await field('KMS key'), KMS_KEY);
    await page.locator('#exported-files').waitFor();
    // Files are planned from the 12 changes, not the table: AWS's minimum of four, all shown, in the shared data folder.
    const keys = await page.locator('#exported-files tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key') ?? ''));
    const data = keys.filter((k) => !k.startsWith('music/AWSDynamoDB/0'));
    assert.equal(data.length, 4, keys.join(', '));
    assert.ok(data.every((k) => /^music\/AWSDynamoDB\/data\/[a-z2-7]{26}\.ion\.gz$/.test(k)), keys.join(', '));
    assert.equal(await page.locator('#show-all-files').count(), 0);
    await b.shot('08-export-incremental-details');
  });

  test('a failed export (missing bucket) explains itself', async () => {
    await go(`#/dynamodb/exports/new?table=${TABLE}`);
    await page.locator('#restorable-window').waitFor();
    await page.fill('#destination', 's3://no-such-bucket/x');
    await page.click('#start-export');
    await page.locator('#details').waitFor();
    await waitStatus('#details', 'FAILED');
    const alert = page.locator('.alert.error');
    assert.match(await alert.innerText(), /Export failed: S3NoSuchBucket/);
    assert.match(await alert.innerText(), /The specified bucket does not exist/);
    assert.match(await alert.innerText(), /no-such-bucket does not exist/);
    assert.equal(await page.locator('#details [data-field="Failure code"] dd').innerText(), 'S3NoSuchBucket');
    await b.shot('09-export-failed');
  });

  test('the exports list: every export, newest first, with table, status, type, format, time and items', async () => {
    await go('#/dynamodb/exports');
    await page.locator('#exports tbody tr').first().waitFor();
    const rows = await page.locator('#exports tbody tr').evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => ((td as unknown as { innerText: string }).innerText).trim())),
    );
    assert.equal(rows.length, 3);
    assert.deepEqual(rows.map((r) => [r[1], r[2], r[3], r[4]]), [
      [TABLE, 'Failed', 'Full', 'DynamoDB JSON'],
      [TABLE, 'Completed', 'Incremental', 'Amazon Ion'],
      [TABLE, 'Completed', 'Full', 'DynamoDB JSON'],
    ]);
    assert.equal(rows[2]![0], fullArn);
    assert.equal(rows[2]![6], '600');
    await b.shot('10-exports-list');
    // Pages of ListExports (here two rows a page), forwards and back.
    // The list of ten a page stays up until the page of two has loaded: wait for exactly two rows.
    await go('#/dynamodb/exports?size=2');
    await exportRows(2);
    assert.equal(await page.locator('#exports tbody tr').count(), 2);
    await page.click('button:has-text("Next")');
    await page.locator('text=Page 2').waitFor();
    await page.locator(`#exports tbody tr[data-export="${fullArn}"]`).waitFor();
    assert.equal(await page.locator('#exports tbody tr').count(), 1);
    assert.equal(await page.locator('button:has-text("Next")').isDisabled(), true);
    await page.click('button:has-text("Previous")');
    await page.locator('text=Page 1').waitFor();
    await page.locator('#exports tbody tr').nth(1).waitFor();
    await go('#/dynamodb/exports');
    await page.locator('#exports tbody tr').nth(2).waitFor();
    // Narrow screens: the same pages stay readable.
    await page.setViewportSize({ width: 400, height: 860 });
    await b.shot('11-exports-list-narrow');
    await page.click(`a:has-text("${fullArn}")`);
    await waitStatus('#details', 'COMPLETED');
    await page.locator('#exported-files').waitFor();
    await b.shot('12-export-details-narrow', 'viewport');
    // What a phone shows when scrolled to the files (under the sticky top bar).
    await page.evaluate(`window.scrollTo(0, document.getElementById('files').offsetTop - 60)`);
    await page.screenshot({ path: join(SCREENSHOTS, '12b-export-files-narrow.png') });
    await go(`#/dynamodb/exports/new?table=${TABLE}`);
    await page.locator('#restorable-window').waitFor();
    await b.shot('13-export-form-narrow');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  test('disable point-in-time recovery (after a confirmation)', async () => {
    await go(`#/dynamodb/tables/${TABLE}`);
    await waitStatus('#pitr', 'ENABLED');
    await page.click('#pitr button:has-text("Disable")');
    await page.locator('[role="dialog"]:has-text("discarded")').waitFor();
    await page.click('#pitr-disable-confirm');
    await waitStatus('#pitr', 'DISABLED');
    assert.equal(await page.locator('#pitr [data-field="Earliest restorable time"] dd').innerText(), '—');
    await go('#/dynamodb/tables');
    await page.locator('tr[data-table="MusicCollection"] [data-col="pitr"] [data-status="DISABLED"]').waitFor();
  });

  test('RDS: take a snapshot, export it and a cluster to S3 with live progress bars, and cancel an export', async () => {
    await bucket.send(new CreateBucketCommand({ Bucket: 'rds-exports' }));
    await go('#/rds/databases');
    await page.locator('#rds-instances tr[data-instance="database-1"]').waitFor({ timeout: 30_000 });
    await page.click('#rds-instances tr[data-instance="database-1"] button:has-text("Take snapshot")');
    await page.fill('#snapshotId', 'console-snap');
    await b.shot('14-rds-databases');
    await page.click('#snapshot-create');
    await page.locator('#rds-snapshots tr[data-snapshot="console-snap"] [data-status="available"]').waitFor({ timeout: 30_000 });
    await b.shot('15-rds-snapshots');

    // Two exports of the snapshot: the first is left to complete, the second is cancelled while it runs.
    const start = async (id: string): Promise<void> => {
      await go('#/rds/snapshots');
      await page.click('#rds-snapshots tr[data-snapshot="console-snap"] a:has-text("Export to Amazon S3")');
      await page.locator('#rds-export-form').waitFor();
      await page.fill('#exportId', id);
      await page.fill('#destination', 's3://rds-exports/console');
      await page.fill('#iamRole', 'arn:aws:iam::000000000000:role/service-role/ExportRole');
      await page.fill('#kmsKey', 'arn:aws:kms:us-east-1:000000000000:key/abcd0000-7fca-4128-82f2-aabbccddeeff');
      if (id === 'snap-export-1') await b.shot('16-rds-export-form');
      await page.click('#start-rds-export');
      await page.locator('#details').waitFor();
    };
    await start('snap-export-1');
    await start('snap-export-2');
    // A DB cluster is exported live, from the Databases page.
    await go('#/rds/databases');
    await page.click('#rds-clusters tr[data-cluster="aurora-1"] a:has-text("Export to Amazon S3")');
    await page.locator('#rds-export-form').waitFor();
    assert.match(await page.locator('#source').innerText(), /DB cluster: aurora-1/);
    await page.fill('#exportId', 'cluster-export-1');
    await page.fill('#destination', 's3://rds-exports/console');
    await page.fill('#iamRole', 'arn:aws:iam::000000000000:role/service-role/ExportRole');
    await page.fill('#kmsKey', 'arn:aws:kms:us-east-1:000000000000:key/abcd0000-7fca-4128-82f2-aabbccddeeff');
    await page.click('#start-rds-export');
    await page.locator('#details').waitFor();
    // The task list shows both running, each with its PercentProgress bar, and updates by itself.
    await go('#/rds/exports');
    await page.locator('#rds-export-tasks tr[data-task="snap-export-2"]').waitFor();
    const bar = page.locator('#rds-export-tasks tr[data-task="snap-export-2"] [role="progressbar"]');
    await bar.waitFor();
    await b.shot('17-rds-export-tasks-running');
    await page.click('a:has-text("snap-export-2")');
    await page.locator('#details').waitFor();
    const status = await statusIn('#details');
    assert.ok(status === 'STARTING' || status === 'IN_PROGRESS', `running: ${status}`);
    await page.click('#cancel-export');
    await page.click('#cancel-confirm');
    await waitStatus('#details', 'CANCELED', 30_000);
    await b.shot('18-rds-export-canceled');
    // The other one completes: 100 % and its Parquet files with download links.
    await go('#/rds/exports/snap-export-1');
    await waitStatus('#details', 'COMPLETE', 60_000);
    await page.locator('#exported-files').waitFor();
    const keys = await page.locator('#exported-files tbody td.arn').allInnerTexts();
    assert.ok(keys.some((k) => k.endsWith('.parquet')), keys.join(', '));
    assert.ok(keys.some((k) => k.endsWith('export_info_snap-export-1.json')), keys.join(', '));
    await b.shot('19-rds-export-complete');
    await go('#/rds/exports');
    await page.locator('#rds-export-tasks tr[data-task="snap-export-1"] [data-status="COMPLETE"]').waitFor();
    assert.equal(await page.locator('#rds-export-tasks tr[data-task="snap-export-2"] [data-status]').getAttribute('data-status'), 'CANCELED');
    await page.locator('#rds-export-tasks tr[data-task="cluster-export-1"] [data-status="COMPLETE"]').waitFor({ timeout: 60_000 });
    await b.shot('20-rds-export-tasks');
  });
});
