import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dynamo } from '../helpers/clients.js';
import { removeDir, startStrataProcess, type StrataProcess } from '../helpers/strata-process.js';
import { browserMissing, launch, type Browser } from './browser.js';

/**
 * Access to the console: the shell it serves holds no data; on loopback it signs in by itself with the
 * development key; bound to any other address it asks for credentials, which the APIs then verify.
 */
const KEY = { accessKeyId: 'AKIACONSOLETEST01', secretAccessKey: 'console-secret-Vh7q' };
const ACCOUNT = '111122223333';

async function get(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string }> {
  const r = await fetch(url, { redirect: 'manual', ...init });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

function bootstrapOf(html: string): Record<string, unknown> {
  const m = /<script id="strata-bootstrap" type="application\/json">(.*?)<\/script>/s.exec(html);
  assert.ok(m, 'bootstrap element');
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

describe('console on a loopback address', () => {
  let strata: StrataProcess;
  before(async () => {
    strata = await startStrataProcess(['--in-memory', '--rds-embedded', 'false']);
  });
  after(async () => {
    await strata.stop();
    removeDir(strata.dataDir);
  });

  test('serves the bundled app shell under /console with a strict content security policy', async () => {
    const bare = await get(`${strata.url}/console`);
    assert.equal(bare.status, 308);
    assert.equal(bare.headers.get('location'), '/console/');
    const shell = await get(`${strata.url}/console/`);
    assert.equal(shell.status, 200);
    assert.match(shell.headers.get('content-type')!, /^text\/html/);
    assert.match(shell.headers.get('content-security-policy')!, /default-src 'none'; script-src 'self'/);
    assert.equal(shell.headers.get('x-frame-options'), 'DENY');
    assert.equal(shell.headers.get('cache-control'), 'no-store');
    // Deep links load the same shell (the app routes on the fragment).
    assert.equal((await get(`${strata.url}/console/dynamodb/tables`)).text, shell.text);
    const js = await get(`${strata.url}/console/assets/app.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type')!, /^text\/javascript/);
    assert.ok(js.text.length > 10_000);
    assert.doesNotMatch(js.text, /https?:\/\/(cdn|unpkg|fonts)\./, 'no CDN: the bundle works offline');
    assert.equal((await get(`${strata.url}/console/assets/app.css`)).status, 200);
    assert.equal((await get(`${strata.url}/console/assets/..%2f..%2fpackage.json`)).status, 404);
    assert.equal((await get(`${strata.url}/console/assets/index.html`)).status, 404);
    assert.equal((await get(`${strata.url}/console/`, { method: 'POST', body: 'x' })).status, 405);
  });

  test('hands the development key to the app, which signs in by itself', async () => {
    const boot = bootstrapOf((await get(`${strata.url}/console/`)).text);
    assert.deepEqual(boot, { signIn: 'auto', region: 'us-east-1', accessKeyId: 'test', secretAccessKey: 'test' });
  });
});

describe('console on a non-loopback address', { skip: browserMissing() }, () => {
  let strata: StrataProcess;
  let url: string;
  let b: Browser;
  before(async () => {
    // Bound to every interface (so not loopback: strict auth, sign-in required); this test talks to it on 127.0.0.1 only.
    strata = await startStrataProcess(['--in-memory', '--rds-embedded', 'false', '--host', '0.0.0.0', '--credentials', `${KEY.accessKeyId}:${KEY.secretAccessKey}:${ACCOUNT}`]);
    url = `http://127.0.0.1:${strata.port}`;
    const client = dynamo(url, KEY);
    await client.send(new CreateTableCommand({
      TableName: 'PrivateTable', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST',
    }));
    client.destroy();
    b = await launch();
  });
  after(async () => {
    await b?.close();
    await strata?.stop();
    if (strata) removeDir(strata.dataDir);
  });

  test('the shell reveals nothing and asks for credentials', async () => {
    const shell = (await get(`${url}/console/`)).text;
    assert.deepEqual(bootstrapOf(shell), { signIn: 'required', region: 'us-east-1' });
    assert.doesNotMatch(shell, /PrivateTable|console-secret|AKIACONSOLETEST|111122223333/);
    // And the API it would call refuses anyone unsigned.
    const unsigned = await get(`${url}/`, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
    assert.equal(unsigned.status, 400);
    assert.match(unsigned.text, /MissingAuthenticationToken/);
    // So do the other APIs the console calls: S3 (bucket browser, downloads), RDS and /_strata/.
    const s3List = await get(`${url}/`);
    assert.equal(s3List.status, 403);
    assert.match(s3List.text, /<Code>AccessDenied<\/Code>/);
    const rds = await get(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeExportTasks&Version=2014-10-31' });
    assert.equal(rds.status, 403);
    assert.match(rds.text, /MissingAuthenticationToken/);
    const progress = await get(`${url}/_strata/exports/progress?ExportArn=x`);
    assert.equal(progress.status, 400);
    assert.match(progress.text, /MissingAuthenticationToken/);
  });

  test('signing in: a wrong key is refused, the right one shows the account, signing out forgets it', async () => {
    const page = b.page;
    await page.goto(`${url}/console/#/dynamodb/tables`);
    await page.locator('h1:has-text("Sign in")').waitFor();
    assert.equal(await page.locator('text=PrivateTable').count(), 0);
    assert.equal(await page.inputValue('#accessKeyId'), '');
    await page.click('button:has-text("Sign in")');
    assert.match(await page.locator('[data-field="accessKeyId"] .field-error').innerText(), /access key ID/);
    await page.fill('#accessKeyId', KEY.accessKeyId);
    await page.fill('#secretAccessKey', 'not-the-secret');
    await page.click('button:has-text("Sign in")');
    assert.match(await page.locator('.alert.error').innerText(), /not valid \(InvalidSignatureException\)/);
    await b.shot('21-sign-in-refused');
    await page.fill('#accessKeyId', 'AKIAUNKNOWNKEY');
    await page.fill('#secretAccessKey', 'whatever');
    await page.click('button:has-text("Sign in")');
    assert.match(await page.locator('.alert.error').innerText(), /UnrecognizedClientException/);
    await page.fill('#accessKeyId', KEY.accessKeyId);
    await page.fill('#secretAccessKey', KEY.secretAccessKey);
    await page.click('button:has-text("Sign in")');
    await page.locator('tr[data-table="PrivateTable"]').waitFor();
    assert.match(await page.locator('tr[data-table="PrivateTable"]').innerText(), /PrivateTable/);
    await b.shot('22-signed-in');
    // The session lives in this tab only; signing out drops it.
    assert.match((await page.evaluate<string | null>("sessionStorage.getItem('strata.console.session')")) ?? '', /AKIACONSOLETEST01/);
    await page.click('button:has-text("Sign out")');
    await page.locator('h1:has-text("Sign in")').waitFor();
    assert.equal(await page.evaluate<string | null>("sessionStorage.getItem('strata.console.session')"), null);
    await page.reload();
    await page.locator('h1:has-text("Sign in")').waitFor();
    await b.shot('23-sign-in');
  });
});
