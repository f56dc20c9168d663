import { CreateTableCommand, DynamoDBClient, ListTablesCommand, PutItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Sha256 } from '../../src/pitr/admin-client.js';
import { startStrataProcess, type StrataProcess } from '../helpers/strata-process.js';

function client(url: string, accessKeyId: string, secretAccessKey: string, region = 'us-east-1', extra: Record<string, unknown> = {}): DynamoDBClient {
  return new DynamoDBClient({ endpoint: url, region, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1, ...extra });
}

async function expectAuthError(p: Promise<unknown>, name: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, name, `${e.name}: ${e.message}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    assert.equal(e.$metadata?.httpStatusCode, 400);
    return true;
  });
}

const CREDS = 'alice:alice-secret:111111111111,bob:bob-secret:222222222222';

/** A DynamoDB request signed by the real SigV4 signer for any service name. */
async function signedFor(url: string, service: string, accessKeyId: string, secretAccessKey: string): Promise<Response> {
  const u = new URL(url);
  const signer = new SignatureV4({ service, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey }, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/',
    headers: { host: u.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
    body: '{}',
  });
  return fetch(url, { method: 'POST', headers: signed.headers as Record<string, string>, body: '{}' });
}

async function expectWrongService(res: Response): Promise<void> {
  assert.equal(res.status, 400);
  const body = (await res.json()) as { __type: string; message: string };
  assert.equal(body.__type, 'com.amazon.coral.service#InvalidSignatureException');
  assert.equal(body.message, "Credential should be scoped to correct service: 'dynamodb'. ");
}

describe('SigV4 in strict mode', () => {
  let strata: StrataProcess;
  before(async () => {
    strata = await startStrataProcess(['--in-memory', '--auth', 'strict', '--credentials', CREDS]);
  });
  after(async () => {
    await strata.stop();
  });

  test('a correctly signed request from a known key works', async () => {
    const res = await client(strata.url, 'alice', 'alice-secret').send(new ListTablesCommand({}));
    assert.deepEqual(res.TableNames, []);
  });

  test('an unsigned request is refused', async () => {
    const res = await fetch(strata.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{}',
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { __type: string; message: string };
    assert.equal(body.__type, 'com.amazon.coral.service#MissingAuthenticationTokenException');
    assert.equal(body.message, 'Request is missing Authentication Token');
    assert.ok(res.headers.get('x-amzn-requestid'));
    assert.ok(res.headers.get('x-amz-crc32'));
  });

  test('a body swapped under a signed x-amz-content-sha256 is a bad signature and writes nothing', async () => {
    const alice = client(strata.url, 'alice', 'alice-secret');
    await alice.send(new CreateTableCommand({
      TableName: 'tamper',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    const url = new URL(strata.url);
    const signer = new SignatureV4({ service: 'dynamodb', region: 'us-east-1', credentials: { accessKeyId: 'alice', secretAccessKey: 'alice-secret' }, sha256: Sha256 });
    const signedBody = JSON.stringify({ TableName: 'tamper', Item: { id: { S: 'signed' } } });
    const signed = await signer.sign({
      method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/',
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.PutItem',
        'x-amz-content-sha256': createHash('sha256').update(signedBody).digest('hex'),
      },
      body: signedBody,
    });
    const send = (body: string) => fetch(strata.url, { method: 'POST', headers: signed.headers as Record<string, string>, body });
    const swapped = await send(JSON.stringify({ TableName: 'tamper', Item: { id: { S: 'swapped' } } }));
    assert.equal(swapped.status, 400);
    assert.equal(((await swapped.json()) as { __type: string }).__type, 'com.amazon.coral.service#InvalidSignatureException');
    assert.equal((await alice.send(new GetItemCommand({ TableName: 'tamper', Key: { id: { S: 'swapped' } } }))).Item, undefined);
    const genuine = await send(signedBody);
    assert.equal(genuine.status, 200, await genuine.clone().text());
    assert.deepEqual((await alice.send(new GetItemCommand({ TableName: 'tamper', Key: { id: { S: 'signed' } } }))).Item, { id: { S: 'signed' } });
  });

  test('a wrong secret is a bad signature', async () => {
    await expectAuthError(client(strata.url, 'alice', 'wrong').send(new ListTablesCommand({})), 'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
  });

  test('an unknown key is refused', async () => {
    await expectAuthError(client(strata.url, 'mallory', 'x').send(new ListTablesCommand({})), 'UnrecognizedClientException',
      'The security token included in the request is invalid.');
  });

  test('a timestamp skewed more than 15 minutes is refused', async () => {
    await expectAuthError(client(strata.url, 'alice', 'alice-secret', 'us-east-1', { systemClockOffset: -20 * 60 * 1000 }).send(new ListTablesCommand({})),
      'InvalidSignatureException', /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    const ok = await client(strata.url, 'alice', 'alice-secret', 'us-east-1', { systemClockOffset: -10 * 60 * 1000 }).send(new ListTablesCommand({}));
    assert.ok(ok.TableNames);
  });

  test('a timestamp more than 15 minutes ahead is not yet current', async () => {
    await expectAuthError(client(strata.url, 'alice', 'alice-secret', 'us-east-1', { systemClockOffset: 20 * 60 * 1000 }).send(new ListTablesCommand({})),
      'InvalidSignatureException', /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/);
    const ok = await client(strata.url, 'alice', 'alice-secret', 'us-east-1', { systemClockOffset: 10 * 60 * 1000 }).send(new ListTablesCommand({}));
    assert.ok(ok.TableNames);
  });

  test('a signature scoped to another service is refused, even from a known key', async () => {
    for (const service of ['s3', 'rds', 'dynamodbx']) await expectWrongService(await signedFor(strata.url, service, 'alice', 'alice-secret'));
    const ok = await signedFor(strata.url, 'dynamodb', 'alice', 'alice-secret');
    assert.equal(ok.status, 200, await ok.clone().text());
  });

  test('time and scope are checked before the key, in AWS order', async () => {
    await expectWrongService(await signedFor(strata.url, 's3', 'mallory', 'x'));
    await expectAuthError(client(strata.url, 'mallory', 'x', 'us-east-1', { systemClockOffset: -20 * 60 * 1000 }).send(new ListTablesCommand({})),
      'InvalidSignatureException', /^Signature expired: /);
  });

  test('accounts and regions never see each other', async () => {
    const alice = client(strata.url, 'alice', 'alice-secret');
    const bob = client(strata.url, 'bob', 'bob-secret');
    const aliceWest = client(strata.url, 'alice', 'alice-secret', 'eu-west-1');
    const table = {
      TableName: 'shared_name',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }],
      BillingMode: 'PAY_PER_REQUEST' as const,
    };
    const a = await alice.send(new CreateTableCommand(table));
    assert.equal(a.TableDescription!.TableArn, 'arn:aws:dynamodb:us-east-1:111111111111:table/shared_name');
    assert.deepEqual((await bob.send(new ListTablesCommand({}))).TableNames, []);
    assert.deepEqual((await aliceWest.send(new ListTablesCommand({}))).TableNames, []);
    await expectAuthError(bob.send(new GetItemCommand({ TableName: 'shared_name', Key: { id: { S: 'x' } } })), 'ResourceNotFoundException', 'Requested resource not found');
    const b = await bob.send(new CreateTableCommand(table));
    assert.equal(b.TableDescription!.TableArn, 'arn:aws:dynamodb:us-east-1:222222222222:table/shared_name');
    await alice.send(new PutItemCommand({ TableName: 'shared_name', Item: { id: { S: 'secret' }, owner: { S: 'alice' } } }));
    const seen = await bob.send(new GetItemCommand({ TableName: 'shared_name', Key: { id: { S: 'secret' } } }));
    assert.equal(seen.Item, undefined);
    const w = await aliceWest.send(new CreateTableCommand(table));
    assert.equal(w.TableDescription!.TableArn, 'arn:aws:dynamodb:eu-west-1:111111111111:table/shared_name');
  });
});

describe('SigV4 in permissive mode (the loopback default)', () => {
  let strata: StrataProcess;
  before(async () => {
    strata = await startStrataProcess(['--in-memory']);
  });
  after(async () => {
    await strata.stop();
  });

  test('unknown keys are accepted; 12-digit keys name their account', async () => {
    const any = client(strata.url, 'AKIAANYTHING', 'whatever');
    assert.deepEqual((await any.send(new ListTablesCommand({}))).TableNames, []);
    const acct = client(strata.url, '333333333333', 'whatever');
    const t = await acct.send(new CreateTableCommand({
      TableName: 'perm', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST',
    }));
    assert.equal(t.TableDescription!.TableArn, 'arn:aws:dynamodb:us-east-1:333333333333:table/perm');
    assert.deepEqual((await any.send(new ListTablesCommand({}))).TableNames, []);
  });

  test('clock skew is refused for unknown keys too, either way', async () => {
    await expectAuthError(client(strata.url, 'AKIAANYTHING', 'whatever', 'us-east-1', { systemClockOffset: -20 * 60 * 1000 }).send(new ListTablesCommand({})),
      'InvalidSignatureException', /^Signature expired: /);
    await expectAuthError(client(strata.url, 'AKIAANYTHING', 'whatever', 'us-east-1', { systemClockOffset: 20 * 60 * 1000 }).send(new ListTablesCommand({})),
      'InvalidSignatureException', /^Signature not yet current: /);
  });

  test('the service scope is checked for unknown keys too', async () => {
    await expectWrongService(await signedFor(strata.url, 's3', 'AKIAANYTHING', 'whatever'));
  });

  test('known keys are still verified, and unsigned requests still refused', async () => {
    await expectAuthError(client(strata.url, 'test', 'not-test').send(new ListTablesCommand({})), 'InvalidSignatureException', /signature we calculated does not match/);
    const res = await fetch(strata.url, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables' }, body: '{}' });
    assert.equal(res.status, 400);
  });
});
