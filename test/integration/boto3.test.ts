import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PY_CLIENT_ERROR, python } from '../helpers/clients.js';
import { startStrataProcess, type StrataProcess } from '../helpers/strata-process.js';

let strata: StrataProcess;

before(async () => {
  strata = await startStrataProcess(['--in-memory']);
});

after(async () => {
  await strata.stop();
});

const PRELUDE = `
import os, json, decimal
import boto3
from botocore.exceptions import ClientError
from boto3.dynamodb.conditions import Key, Attr
url = os.environ['STRATA_URL']
client = boto3.client('dynamodb', endpoint_url=url, region_name='us-east-1')
resource = boto3.resource('dynamodb', endpoint_url=url, region_name='us-east-1')
${PY_CLIENT_ERROR}
`;

test('boto3 resource API: table, batch writer, query with conditions, update, scan pagination', async () => {
  const r = await python(strata.url, PRELUDE + `
table = resource.create_table(TableName='Orders',
    KeySchema=[{'AttributeName': 'customer', 'KeyType': 'HASH'}, {'AttributeName': 'order_id', 'KeyType': 'RANGE'}],
    AttributeDefinitions=[{'AttributeName': 'customer', 'AttributeType': 'S'}, {'AttributeName': 'order_id', 'AttributeType': 'N'}],
    BillingMode='PAY_PER_REQUEST')
table.wait_until_exists()
with table.batch_writer() as batch:
    for i in range(120):
        batch.put_item(Item={'customer': 'c%d' % (i % 4), 'order_id': i, 'total': decimal.Decimal('19.99') * i, 'status': 'open' if i % 3 else 'shipped'})
q = table.query(KeyConditionExpression=Key('customer').eq('c1') & Key('order_id').between(10, 50), FilterExpression=Attr('status').eq('open'))
table.update_item(Key={'customer': 'c0', 'order_id': 0}, UpdateExpression='SET #s = :s ADD visits :one',
    ExpressionAttributeNames={'#s': 'status'}, ExpressionAttributeValues={':s': 'closed', ':one': 1})
item = table.get_item(Key={'customer': 'c0', 'order_id': 0})['Item']
paginator = client.get_paginator('scan')
scanned = sum(p['Count'] for p in paginator.paginate(TableName='Orders', PaginationConfig={'PageSize': 17}))
missing = err(lambda: client.get_item(TableName='Nope', Key={'id': {'S': 'x'}}))
cond = err(lambda: table.put_item(Item={'customer': 'c0', 'order_id': 0}, ConditionExpression=Attr('customer').not_exists()))
print(json.dumps({'query': q['Count'], 'scanned_query': q['ScannedCount'], 'item': {'status': item['status'], 'visits': int(item['visits'])},
    'total': str(table.get_item(Key={'customer': 'c1', 'order_id': 5})['Item']['total']), 'scan': scanned, 'missing': missing, 'cond': cond}))
`);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(out.scanned_query, 10);
  assert.ok((out.query as number) > 0 && (out.query as number) < 10);
  assert.deepEqual(out.item, { status: 'closed', visits: 1 });
  assert.equal(out.total, '99.95');
  assert.equal(out.scan, 120);
  assert.deepEqual(out.missing, ['ResourceNotFoundException', 'Requested resource not found', 400]);
  assert.deepEqual(out.cond, ['ConditionalCheckFailedException', 'The conditional request failed', 400]);
});

test('boto3: transactions and validation errors', async () => {
  const r = await python(strata.url, PRELUDE + `
client.create_table(TableName='Accounts', KeySchema=[{'AttributeName': 'id', 'KeyType': 'HASH'}],
    AttributeDefinitions=[{'AttributeName': 'id', 'AttributeType': 'S'}], BillingMode='PAY_PER_REQUEST')
client.put_item(TableName='Accounts', Item={'id': {'S': 'a'}, 'balance': {'N': '100'}})
client.put_item(TableName='Accounts', Item={'id': {'S': 'b'}, 'balance': {'N': '0'}})
def transfer(amount):
    client.transact_write_items(TransactItems=[
        {'Update': {'TableName': 'Accounts', 'Key': {'id': {'S': 'a'}}, 'UpdateExpression': 'SET balance = balance - :x',
                    'ConditionExpression': 'balance >= :x', 'ExpressionAttributeValues': {':x': {'N': str(amount)}}}},
        {'Update': {'TableName': 'Accounts', 'Key': {'id': {'S': 'b'}}, 'UpdateExpression': 'SET balance = balance + :x',
                    'ExpressionAttributeValues': {':x': {'N': str(amount)}}}}])
transfer(60)
failed = None
try:
    transfer(60)
except ClientError as e:
    failed = [e.response['Error']['Code'], [r['Code'] for r in e.response['CancellationReasons']]]
bal = {k: client.get_item(TableName='Accounts', Key={'id': {'S': k}})['Item']['balance']['N'] for k in ['a', 'b']}
errors = {
  'syntax': err(lambda: client.update_item(TableName='Accounts', Key={'id': {'S': 'a'}}, UpdateExpression='SET balance =')),
  'reserved': err(lambda: client.get_item(TableName='Accounts', Key={'id': {'S': 'a'}}, ProjectionExpression='status')),
  'undefined_name': err(lambda: client.get_item(TableName='Accounts', Key={'id': {'S': 'a'}}, ProjectionExpression='#x')),
  'precision': err(lambda: client.put_item(TableName='Accounts', Item={'id': {'S': 'p'}, 'n': {'N': '1.2345678901234567890123456789012345678901'}})),
  'not_a_number': err(lambda: client.put_item(TableName='Accounts', Item={'id': {'S': 'p'}, 'n': {'N': 'abc'}})),
  'empty_key': err(lambda: client.put_item(TableName='Accounts', Item={'id': {'S': ''}})),
}
print(json.dumps({'failed': failed, 'bal': bal, 'errors': errors}))
`);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { failed: unknown; bal: unknown; errors: Record<string, [string, string, number]> };
  assert.deepEqual(out.failed, ['TransactionCanceledException', ['ConditionalCheckFailed', 'None']]);
  assert.deepEqual(out.bal, { a: '40', b: '60' });
  assert.deepEqual(out.errors.syntax, ['ValidationException', 'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "="', 400]);
  assert.deepEqual(out.errors.reserved, ['ValidationException', 'Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: status', 400]);
  assert.deepEqual(out.errors.undefined_name, ['ValidationException', 'Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #x', 400]);
  assert.deepEqual(out.errors.precision, ['ValidationException', 'Attempting to store more than 38 significant digits in a Number', 400]);
  assert.deepEqual(out.errors.not_a_number, ['ValidationException', 'The parameter cannot be converted to a numeric value: abc', 400]);
  assert.deepEqual(out.errors.empty_key, ['ValidationException', 'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id', 400]);
});
