import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { awsCli } from '../helpers/clients.js';
import { startStrataProcess, type StrataProcess } from '../helpers/strata-process.js';

let strata: StrataProcess;

before(async () => {
  strata = await startStrataProcess(['--in-memory']);
});

after(async () => {
  await strata.stop();
});

async function ok(args: string[]): Promise<Record<string, unknown>> {
  const r = await awsCli(strata.url, args);
  assert.equal(r.code, 0, `aws ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
}

test('aws dynamodb: create-table, put-item, get-item, query, scan, update-item, delete-item', async () => {
  const created = await ok(['dynamodb', 'create-table', '--table-name', 'Music',
    '--attribute-definitions', 'AttributeName=Artist,AttributeType=S', 'AttributeName=SongTitle,AttributeType=S',
    '--key-schema', 'AttributeName=Artist,KeyType=HASH', 'AttributeName=SongTitle,KeyType=RANGE',
    '--billing-mode', 'PAY_PER_REQUEST']);
  assert.equal((created.TableDescription as { TableName: string }).TableName, 'Music');
  await ok(['dynamodb', 'wait', 'table-exists', '--table-name', 'Music']);
  await ok(['dynamodb', 'put-item', '--table-name', 'Music', '--item', '{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Call Me Today"},"AlbumTitle":{"S":"Somewhat Famous"},"Awards":{"N":"1"}}']);
  await ok(['dynamodb', 'put-item', '--table-name', 'Music', '--item', '{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Howdy"},"Awards":{"N":"2"}}']);
  const got = await ok(['dynamodb', 'get-item', '--table-name', 'Music', '--key', '{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Call Me Today"}}', '--consistent-read']);
  assert.deepEqual((got.Item as Record<string, unknown>).AlbumTitle, { S: 'Somewhat Famous' });
  const q = await ok(['dynamodb', 'query', '--table-name', 'Music', '--key-condition-expression', 'Artist = :a',
    '--expression-attribute-values', '{":a":{"S":"No One You Know"}}']);
  assert.equal(q.Count, 2);
  const upd = await ok(['dynamodb', 'update-item', '--table-name', 'Music', '--key', '{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Howdy"}}',
    '--update-expression', 'SET Awards = Awards + :inc', '--expression-attribute-values', '{":inc":{"N":"5"}}', '--return-values', 'UPDATED_NEW']);
  assert.deepEqual(upd.Attributes, { Awards: { N: '7' } });
  // The CLI paginates scans itself with --page-size; all items must come back exactly once.
  const scan = await ok(['dynamodb', 'scan', '--table-name', 'Music', '--page-size', '1']);
  assert.equal(scan.Count, 2);
  await ok(['dynamodb', 'delete-item', '--table-name', 'Music', '--key', '{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Howdy"}}']);
  const desc = await ok(['dynamodb', 'describe-table', '--table-name', 'Music']);
  assert.equal((desc.Table as { ItemCount: number }).ItemCount, 1);
});

test('aws dynamodb: errors come back with AWS names and messages', async () => {
  const r = await awsCli(strata.url, ['dynamodb', 'describe-table', '--table-name', 'Missing']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /An error occurred \(ResourceNotFoundException\) when calling the DescribeTable operation: Requested resource not found: Table: Missing not found/);
  const c = await awsCli(strata.url, ['dynamodb', 'put-item', '--table-name', 'Music', '--item', '{"Artist":{"S":"x"},"SongTitle":{"S":"y"}}',
    '--condition-expression', 'attribute_exists(Artist)']);
  assert.match(c.stderr, /ConditionalCheckFailedException.*The conditional request failed/);
  const v = await awsCli(strata.url, ['dynamodb', 'query', '--table-name', 'Music', '--key-condition-expression', 'Artist = :a']);
  assert.match(v.stderr, /ValidationException.*An expression attribute value used in expression is not defined; attribute value: :a/);
});

test('aws dynamodb: tags and TTL', async () => {
  await ok(['dynamodb', 'tag-resource', '--resource-arn', 'arn:aws:dynamodb:us-east-1:000000000000:table/Music', '--tags', 'Key=env,Value=test']);
  const tags = await ok(['dynamodb', 'list-tags-of-resource', '--resource-arn', 'arn:aws:dynamodb:us-east-1:000000000000:table/Music']);
  assert.deepEqual(tags.Tags, [{ Key: 'env', Value: 'test' }]);
  const ttl = await ok(['dynamodb', 'update-time-to-live', '--table-name', 'Music', '--time-to-live-specification', 'Enabled=true,AttributeName=expires']);
  assert.deepEqual(ttl.TimeToLiveSpecification, { Enabled: true, AttributeName: 'expires' });
});

test('aws dynamodb: legacy --expected, --attribute-updates, --key-conditions and --scan-filter', async () => {
  const key = '{"Artist":{"S":"Legacy"},"SongTitle":{"S":"Old"}}';
  await ok(['dynamodb', 'put-item', '--table-name', 'Music', '--item', '{"Artist":{"S":"Legacy"},"SongTitle":{"S":"Old"},"Plays":{"N":"1"}}', '--expected', '{"Artist":{"Exists":false}}']);
  const again = await awsCli(strata.url, ['dynamodb', 'put-item', '--table-name', 'Music', '--item', key, '--expected', '{"Artist":{"Exists":false}}']);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /An error occurred \(ConditionalCheckFailedException\) when calling the PutItem operation: The conditional request failed/);
  const upd = await ok(['dynamodb', 'update-item', '--table-name', 'Music', '--key', key,
    '--attribute-updates', '{"Plays":{"Action":"ADD","Value":{"N":"4"}}}', '--expected', '{"Plays":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"1"}]}}', '--return-values', 'ALL_NEW']);
  assert.deepEqual((upd.Attributes as Record<string, unknown>).Plays, { N: '5' });
  const q = await ok(['dynamodb', 'query', '--table-name', 'Music', '--key-conditions', '{"Artist":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"Legacy"}]}}']);
  assert.equal(q.Count, 1);
  const s = await ok(['dynamodb', 'scan', '--table-name', 'Music', '--scan-filter', '{"Plays":{"ComparisonOperator":"GE","AttributeValueList":[{"N":"5"}]}}']);
  assert.equal(s.Count, 1);
  const bad = await awsCli(strata.url, ['dynamodb', 'scan', '--table-name', 'Music', '--scan-filter', '{"Plays":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"5"}]}}']);
  assert.match(bad.stderr, /\(ValidationException\) when calling the Scan operation: One or more parameter values were invalid: Invalid number of argument\(s\) for the BETWEEN ComparisonOperator/);
});
