/**
 * The legacy (pre-expression) parameters through the real SDK v3 and boto3: Expected, AttributeUpdates,
 * KeyConditions, QueryFilter, ScanFilter and ConditionalOperator, their semantics and AWS's messages.
 */
import {
  CreateTableCommand, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, ScanCommand, UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dynamo, python } from '../helpers/clients.js';
import { startStrataProcess, type StrataProcess } from '../helpers/strata-process.js';

let strata: StrataProcess;
let client: DynamoDBClient;

async function expectError(p: Promise<unknown>, name: string, message: string): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    assert.equal(e.message, message);
    assert.equal(e.$metadata?.httpStatusCode, 400);
    return true;
  });
}

const INVALID = 'One or more parameter values were invalid: ';
const s = (v: string): AttributeValue => ({ S: v });
const n = (v: number): AttributeValue => ({ N: String(v) });

async function get(table: string, key: Record<string, AttributeValue>): Promise<Record<string, AttributeValue> | undefined> {
  return (await client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
}

before(async () => {
  strata = await startStrataProcess(['--in-memory']);
  client = dynamo(strata.url);
  await client.send(new CreateTableCommand({
    TableName: 'Legacy',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  await client.send(new CreateTableCommand({
    TableName: 'LegacyRange',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  for (let i = 0; i < 10; i++) {
    await client.send(new PutItemCommand({
      TableName: 'LegacyRange',
      Item: { pk: s(i < 6 ? 'a' : 'b'), sk: n(i), color: s(i % 2 ? 'red' : 'blue'), ...(i % 3 === 0 ? { tags: { SS: ['x', `t${i}`] } } : {}) },
    }));
  }
});

after(async () => {
  client.destroy();
  await strata.stop();
});

describe('Expected', () => {
  test('Exists false refuses to overwrite, and changes nothing', async () => {
    await client.send(new PutItemCommand({ TableName: 'Legacy', Item: { pk: s('e1'), v: n(1) } }));
    await assert.rejects(
      client.send(new PutItemCommand({ TableName: 'Legacy', Item: { pk: s('e1'), v: n(2) }, Expected: { pk: { Exists: false } } })),
      (e: Error) => e.name === 'ConditionalCheckFailedException' && e.message === 'The conditional request failed',
    );
    assert.deepEqual(await get('Legacy', { pk: s('e1') }), { pk: s('e1'), v: n(1) });
    await client.send(new PutItemCommand({ TableName: 'Legacy', Item: { pk: s('e2') }, Expected: { pk: { Exists: false } } }));
    assert.ok(await get('Legacy', { pk: s('e2') }));
  });

  test('Value (Exists implied true), ComparisonOperator, AND / OR', async () => {
    await client.send(new PutItemCommand({ TableName: 'Legacy', Item: { pk: s('e3'), v: n(5), name: s('alpha') } }));
    // Value: equal → passes.
    await client.send(new PutItemCommand({ TableName: 'Legacy', Item: { pk: s('e3'), v: n(6), name: s('alpha') }, Expected: { v: { Value: n(5) } } }));
    await assert.rejects(client.send(new DeleteItemCommand({ TableName: 'Legacy', Key: { pk: s('e3') }, Expected: { v: { Value: n(5) } } })), { name: 'ConditionalCheckFailedException' });
    // AND (default): both must hold.
    await assert.rejects(client.send(new UpdateItemCommand({
      TableName: 'Legacy', Key: { pk: s('e3') }, AttributeUpdates: { v: { Action: 'PUT', Value: n(7) } },
      Expected: { v: { ComparisonOperator: 'GT', AttributeValueList: [n(1)] }, name: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [s('zz')] } },
    })), { name: 'ConditionalCheckFailedException' });
    // OR: one is enough.
    await client.send(new UpdateItemCommand({
      TableName: 'Legacy', Key: { pk: s('e3') }, AttributeUpdates: { v: { Action: 'PUT', Value: n(7) } }, ConditionalOperator: 'OR',
      Expected: { v: { ComparisonOperator: 'GT', AttributeValueList: [n(1)] }, name: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [s('zz')] } },
    }));
    assert.deepEqual((await get('Legacy', { pk: s('e3') }))?.v, n(7));
    // Every operator against the item {v: 7, name: alpha}.
    const holds: [string, AttributeValue[], boolean][] = [
      ['EQ', [n(7)], true], ['NE', [n(7)], false], ['LE', [n(7)], true], ['LT', [n(7)], false], ['GE', [n(8)], false], ['GT', [n(6)], true],
      ['NOT_NULL', [], true], ['NULL', [], false], ['IN', [n(1), n(7)], true], ['IN', [n(1)], false], ['BETWEEN', [n(7), n(9)], true], ['BETWEEN', [n(8), n(9)], false],
    ];
    for (const [op, list, ok] of holds) {
      const p = client.send(new PutItemCommand({
        TableName: 'Legacy', Item: { pk: s('e3'), v: n(7), name: s('alpha') },
        Expected: { v: { ComparisonOperator: op as 'EQ', ...(list.length ? { AttributeValueList: list } : {}) } },
      }));
      if (ok) await p;
      else await assert.rejects(p, { name: 'ConditionalCheckFailedException' }, `${op} ${JSON.stringify(list)}`);
    }
    for (const [op, v, ok] of [['CONTAINS', 'lph', true], ['NOT_CONTAINS', 'lph', false], ['BEGINS_WITH', 'al', true], ['NOT_CONTAINS', 'zzz', true]] as const) {
      const p = client.send(new PutItemCommand({
        TableName: 'Legacy', Item: { pk: s('e3'), v: n(7), name: s('alpha') }, Expected: { name: { ComparisonOperator: op, AttributeValueList: [s(v)] } },
      }));
      if (ok) await p;
      else await assert.rejects(p, { name: 'ConditionalCheckFailedException' }, op);
    }
  });

  test('validation: each rule, by name and message, changes nothing', async () => {
    await client.send(new PutItemCommand({ TableName: 'Legacy', Item: { pk: s('ev'), v: n(1) } }));
    const put = (Expected: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      client.send(new PutItemCommand({ TableName: 'Legacy', Item: { pk: s('ev'), v: n(99) }, Expected: Expected as never, ...extra }));
    const cases: [Record<string, unknown>, string][] = [
      [{ v: { Value: n(1), AttributeValueList: [n(1)] } }, `${INVALID}Value and AttributeValueList cannot be used together for Attribute: v`],
      [{ v: { Exists: true, ComparisonOperator: 'EQ', AttributeValueList: [n(1)] } }, `${INVALID}Exists and ComparisonOperator cannot be used together for Attribute: v`],
      [{ v: { ComparisonOperator: 'EQ' } }, `${INVALID}Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: v`],
      [{ v: { ComparisonOperator: 'EQ', AttributeValueList: [n(1), n(2)] } }, `${INVALID}Invalid number of argument(s) for the EQ ComparisonOperator`],
      [{ v: { ComparisonOperator: 'BETWEEN', Value: n(1) } }, `${INVALID}Invalid number of argument(s) for the BETWEEN ComparisonOperator`],
      [{ v: { ComparisonOperator: 'NULL', AttributeValueList: [n(1)] } }, `${INVALID}Invalid number of argument(s) for the NULL ComparisonOperator`],
      [{ v: { ComparisonOperator: 'IN', AttributeValueList: [n(1), s('a')] } }, `${INVALID}AttributeValues inside AttributeValueList must be of same type`],
      [{ v: { ComparisonOperator: 'BETWEEN', AttributeValueList: [n(5), n(1)] } }, 'The BETWEEN condition was provided a range where the lower bound is greater than the upper bound'],
      [{ v: { ComparisonOperator: 'LT', AttributeValueList: [{ BOOL: true }] } }, `${INVALID}ComparisonOperator LT is not valid for BOOL AttributeValue type`],
      [{ v: { AttributeValueList: [n(1)] } }, `${INVALID}AttributeValueList can only be used with a ComparisonOperator for Attribute: v`],
      [{ v: {} }, `${INVALID}Value must be provided when Exists is null for Attribute: v`],
      [{ v: { Exists: true } }, `${INVALID}Value must be provided when Exists is true for Attribute: v`],
      [{ v: { Exists: false, Value: n(1) } }, `${INVALID}Value cannot be used when Exists is false for Attribute: v`],
      [{ v: { ComparisonOperator: 'NOPE', AttributeValueList: [n(1)] } },
        "1 validation error detected: Value 'NOPE' at 'expected.v.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"],
    ];
    for (const [expected, message] of cases) await expectError(put(expected), 'ValidationException', message);
    await expectError(put({ v: { Value: n(1) } }, { ConditionalOperator: 'XOR' }),
      'ValidationException', "1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]");
    await expectError(put({ v: { Value: n(1) } }, { ConditionExpression: 'attribute_exists(pk)' }), 'ValidationException',
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}');
    await expectError(client.send(new DeleteItemCommand({ TableName: 'Legacy', Key: { pk: s('ev') }, Expected: { v: { Value: n(1) } }, ConditionExpression: 'attribute_exists(pk)' })),
      'ValidationException', 'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}');
    assert.deepEqual(await get('Legacy', { pk: s('ev') }), { pk: s('ev'), v: n(1) });
  });
});

describe('AttributeUpdates', () => {
  test('PUT, ADD (numbers, sets, lists), DELETE (attribute, set members), ReturnValues', async () => {
    await client.send(new PutItemCommand({ TableName: 'Legacy', Item: { pk: s('u1'), gone: s('x'), n: n(1), ss: { SS: ['a', 'b', 'c'] }, l: { L: [s('one')] } } }));
    const out = await client.send(new UpdateItemCommand({
      TableName: 'Legacy', Key: { pk: s('u1') }, ReturnValues: 'UPDATED_NEW',
      AttributeUpdates: {
        title: { Action: 'PUT', Value: s('t') },
        implicit: { Value: s('put is the default') },
        n: { Action: 'ADD', Value: n(41) },
        fresh: { Action: 'ADD', Value: n(-3) },
        ss: { Action: 'DELETE', Value: { SS: ['a', 'zz'] } },
        newset: { Action: 'ADD', Value: { NS: ['1', '2'] } },
        l: { Action: 'ADD', Value: { L: [s('two')] } },
        gone: { Action: 'DELETE' },
      },
    }));
    const want = {
      pk: s('u1'), title: s('t'), implicit: s('put is the default'), n: n(42), fresh: n(-3), ss: { SS: ['b', 'c'] }, newset: { NS: ['1', '2'] }, l: { L: [s('one'), s('two')] },
    };
    assert.deepEqual(await get('Legacy', { pk: s('u1') }), want);
    const { pk: _pk, ...updated } = want;
    assert.deepEqual(out.Attributes, updated);
    // A new item from AttributeUpdates alone; the last set member deleted removes the attribute.
    await client.send(new UpdateItemCommand({ TableName: 'Legacy', Key: { pk: s('u2') }, AttributeUpdates: { ss: { Action: 'ADD', Value: { SS: ['only'] } } } }));
    await client.send(new UpdateItemCommand({ TableName: 'Legacy', Key: { pk: s('u2') }, AttributeUpdates: { ss: { Action: 'DELETE', Value: { SS: ['only'] } } } }));
    assert.deepEqual(await get('Legacy', { pk: s('u2') }), { pk: s('u2') });
  });

  test('validation and type mismatches: AWS messages, nothing changed', async () => {
    await client.send(new PutItemCommand({ TableName: 'Legacy', Item: { pk: s('u3'), str: s('x'), num: n(1) } }));
    const update = (AttributeUpdates: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      client.send(new UpdateItemCommand({ TableName: 'Legacy', Key: { pk: s('u3') }, AttributeUpdates: AttributeUpdates as never, ...extra }));
    const cases: [Record<string, unknown>, string][] = [
      [{ a: { Action: 'PUT' } }, `${INVALID}Only DELETE action is allowed when no attribute value is specified`],
      [{ a: { Action: 'ADD' } }, `${INVALID}Only DELETE action is allowed when no attribute value is specified`],
      [{ a: { Action: 'DELETE', Value: s('x') } }, `${INVALID}DELETE action with value is not supported for the type S`],
      [{ a: { Action: 'ADD', Value: s('x') } }, `${INVALID}ADD action is not supported for the type S`],
      [{ a: { Action: 'ADD', Value: { M: {} } } }, `${INVALID}ADD action is not supported for the type M`],
      [{ str: { Action: 'ADD', Value: n(1) } }, 'Type mismatch for attribute to update'],
      [{ num: { Action: 'ADD', Value: { SS: ['a'] } } }, 'Type mismatch for attribute to update'],
      [{ num: { Action: 'DELETE', Value: { NS: ['1'] } } }, 'Type mismatch for attribute to update'],
      [{ str: { Action: 'ADD', Value: { L: [n(1)] } } }, 'Type mismatch for attribute to update'],
      [{ pk: { Action: 'PUT', Value: s('other') } }, `${INVALID}Cannot update attribute pk. This attribute is part of the key`],
      [{ a: { Action: 'REPLACE', Value: s('x') } },
        "1 validation error detected: Value 'REPLACE' at 'attributeUpdates.a.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"],
    ];
    for (const [u, message] of cases) await expectError(update(u), 'ValidationException', message);
    await expectError(update({ a: { Value: s('x') } }, { UpdateExpression: 'SET b = :b', ExpressionAttributeValues: { ':b': s('y') } }), 'ValidationException',
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}');
    await expectError(update({ a: { Value: s('x') } }, { Expected: { num: { Value: n(1) } }, ConditionExpression: 'attribute_exists(pk)' }), 'ValidationException',
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates, Expected} Expression parameters: {ConditionExpression}');
    await assert.rejects(update({ a: { Value: s('x') } }, { Expected: { num: { Value: n(2) } } }), { name: 'ConditionalCheckFailedException' });
    assert.deepEqual(await get('Legacy', { pk: s('u3') }), { pk: s('u3'), str: s('x'), num: n(1) });
  });
});

describe('KeyConditions, QueryFilter, ScanFilter', () => {
  test('KeyConditions with every range operator; QueryFilter with AND / OR', async () => {
    const q = async (KeyConditions: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      (await client.send(new QueryCommand({ TableName: 'LegacyRange', KeyConditions: KeyConditions as never, ...extra }))).Items!.map((i) => Number(i.sk!.N));
    const a = { pk: { ComparisonOperator: 'EQ', AttributeValueList: [s('a')] } };
    assert.deepEqual(await q(a), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(await q({ ...a, sk: { ComparisonOperator: 'GT', AttributeValueList: [n(3)] } }), [4, 5]);
    assert.deepEqual(await q({ ...a, sk: { ComparisonOperator: 'GE', AttributeValueList: [n(3)] } }), [3, 4, 5]);
    assert.deepEqual(await q({ ...a, sk: { ComparisonOperator: 'LT', AttributeValueList: [n(2)] } }), [0, 1]);
    assert.deepEqual(await q({ ...a, sk: { ComparisonOperator: 'LE', AttributeValueList: [n(2)] } }), [0, 1, 2]);
    assert.deepEqual(await q({ ...a, sk: { ComparisonOperator: 'EQ', AttributeValueList: [n(2)] } }), [2]);
    assert.deepEqual(await q({ ...a, sk: { ComparisonOperator: 'BETWEEN', AttributeValueList: [n(1), n(3)] } }), [1, 2, 3]);
    assert.deepEqual(await q(a, { ScanIndexForward: false, Limit: 2 }), [5, 4]);
    assert.deepEqual(await q(a, { QueryFilter: { color: { ComparisonOperator: 'EQ', AttributeValueList: [s('red')] } } }), [1, 3, 5]);
    const two = { color: { ComparisonOperator: 'EQ', AttributeValueList: [s('red')] }, tags: { ComparisonOperator: 'CONTAINS', AttributeValueList: [s('x')] } };
    assert.deepEqual(await q(a, { QueryFilter: two }), [3]);
    assert.deepEqual(await q(a, { QueryFilter: two, ConditionalOperator: 'OR' }), [0, 1, 3, 5]);
    // KeyConditions goes with a FilterExpression (AWS counts it against KeyConditionExpression only).
    assert.deepEqual(await q(a, { FilterExpression: 'attribute_exists(tags)' }), [0, 3]);
    const counted = await client.send(new QueryCommand({ TableName: 'LegacyRange', KeyConditions: a as never, QueryFilter: { tags: { ComparisonOperator: 'NULL' } }, Select: 'COUNT' }));
    assert.equal(counted.Count, 4);
    assert.equal(counted.ScannedCount, 6);
  });

  test('KeyConditions and QueryFilter validation', async () => {
    const query = (input: Record<string, unknown>) => client.send(new QueryCommand({ TableName: 'LegacyRange', ...input } as never));
    const a = { pk: { ComparisonOperator: 'EQ', AttributeValueList: [s('a')] } };
    const cases: [Record<string, unknown>, string][] = [
      [{ KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [] } } }, `${INVALID}Invalid number of argument(s) for the EQ ComparisonOperator`],
      [{ KeyConditions: { ...a, sk: { ComparisonOperator: 'BETWEEN', AttributeValueList: [n(1)] } } }, `${INVALID}Invalid number of argument(s) for the BETWEEN ComparisonOperator`],
      [{ KeyConditions: { ...a, sk: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [n(1)] } } }, `${INVALID}ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type`],
      [{ KeyConditions: {} }, 'Conditions can be of length 1 or 2 only'],
      [{ KeyConditions: { ...a, sk: { ComparisonOperator: 'NOT_NULL' }, x: { ComparisonOperator: 'NULL' } } }, 'Conditions can be of length 1 or 2 only'],
      [{ KeyConditions: { sk: { ComparisonOperator: 'EQ', AttributeValueList: [n(1)] } } }, 'Query condition missed key schema element: pk'],
      [{ KeyConditions: { ...a, other: { ComparisonOperator: 'EQ', AttributeValueList: [n(1)] } } }, 'Query condition missed key schema element: sk'],
      [{ KeyConditions: { ...a, sk: { ComparisonOperator: 'NE', AttributeValueList: [n(1)] } } }, 'Attempted conditional constraint is not an indexable operation'],
      [{ KeyConditions: { pk: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [s('a')] } } }, 'Query key condition not supported'],
      [{ KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [n(1)] } } }, `${INVALID}Condition parameter type does not match schema type`],
      [{ KeyConditions: a, QueryFilter: { sk: { ComparisonOperator: 'GT', AttributeValueList: [n(1)] } } }, 'QueryFilter can only contain non-primary key attributes: Primary key attribute: sk'],
      [{ KeyConditions: a, QueryFilter: { color: { ComparisonOperator: 'GT', AttributeValueList: [{ SS: ['a'] }] } } }, `${INVALID}ComparisonOperator GT is not valid for SS AttributeValue type`],
      [{ KeyConditions: a, QueryFilter: { color: { AttributeValueList: [s('a')] } } },
        "1 validation error detected: Value null at 'queryFilter.color.member.comparisonOperator' failed to satisfy constraint: Member must not be null"],
      [{ KeyConditionExpression: 'pk = :a', ExpressionAttributeValues: { ':a': s('a') }, QueryFilter: { color: { ComparisonOperator: 'NOT_NULL' } } },
        'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {QueryFilter} Expression parameters: {KeyConditionExpression}'],
      [{ KeyConditionExpression: 'pk = :a', ExpressionAttributeValues: { ':a': s('a') }, KeyConditions: a },
        'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}'],
      [{ KeyConditions: a, ProjectionExpression: 'sk', AttributesToGet: ['sk'] },
        'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}'],
    ];
    for (const [input, message] of cases) await expectError(query(input), 'ValidationException', message);
    await expectError(client.send(new QueryCommand({ TableName: 'Legacy', KeyConditions: { ...a, sk: { ComparisonOperator: 'EQ', AttributeValueList: [n(1)] } } as never })),
      'ValidationException', 'Query key condition not supported');
  });

  test('ScanFilter with every operator kind, ConditionalOperator, validation', async () => {
    const scan = async (ScanFilter: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      (await client.send(new ScanCommand({ TableName: 'LegacyRange', ScanFilter: ScanFilter as never, ...extra }))).Items!.map((i) => Number(i.sk!.N)).sort((x, y) => x - y);
    assert.deepEqual(await scan({ color: { ComparisonOperator: 'EQ', AttributeValueList: [s('blue')] } }), [0, 2, 4, 6, 8]);
    assert.deepEqual(await scan({ color: { ComparisonOperator: 'NE', AttributeValueList: [s('blue')] } }), [1, 3, 5, 7, 9]);
    assert.deepEqual(await scan({ sk: { ComparisonOperator: 'IN', AttributeValueList: [n(2), n(7)] } }), [2, 7]);
    assert.deepEqual(await scan({ sk: { ComparisonOperator: 'BETWEEN', AttributeValueList: [n(7), n(8)] } }), [7, 8]);
    assert.deepEqual(await scan({ tags: { ComparisonOperator: 'NOT_NULL' } }), [0, 3, 6, 9]);
    assert.deepEqual(await scan({ tags: { ComparisonOperator: 'NOT_CONTAINS', AttributeValueList: [s('t3')] } }), [0, 1, 2, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(await scan({ pk: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [s('b')] } }), [6, 7, 8, 9]);
    const both = { pk: { ComparisonOperator: 'EQ', AttributeValueList: [s('b')] }, sk: { ComparisonOperator: 'LT', AttributeValueList: [n(2)] } };
    assert.deepEqual(await scan(both), []);
    assert.deepEqual(await scan(both, { ConditionalOperator: 'OR' }), [0, 1, 6, 7, 8, 9]);
    await expectError(scan({ sk: { ComparisonOperator: 'IN', AttributeValueList: [] } }), 'ValidationException', `${INVALID}Invalid number of argument(s) for the IN ComparisonOperator`);
    await expectError(scan({ sk: { ComparisonOperator: 'NOT_NULL', AttributeValueList: [n(1)] } }), 'ValidationException', `${INVALID}Invalid number of argument(s) for the NOT_NULL ComparisonOperator`);
    await expectError(scan({ sk: { ComparisonOperator: 'CONTAINS', AttributeValueList: [{ L: [] }] } }), 'ValidationException', `${INVALID}ComparisonOperator CONTAINS is not valid for L AttributeValue type`);
    await expectError(scan({ sk: { ComparisonOperator: 'EQ', AttributeValueList: [{ BOOL: true }] } }), 'ValidationException', `${INVALID}ComparisonOperator EQ is not valid for BOOL AttributeValue type`);
    await expectError(scan({ sk: { ComparisonOperator: 'EQ', AttributeValueList: [n(1)] } }, { FilterExpression: 'attribute_exists(sk)' }), 'ValidationException',
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {ScanFilter} Expression parameters: {FilterExpression}');
    await expectError(scan(both, { ConditionalOperator: 'OR', ProjectionExpression: 'sk' }), 'ValidationException',
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {ScanFilter, ConditionalOperator} Expression parameters: {ProjectionExpression}');
  });
});

test('boto3: Expected, AttributeUpdates, KeyConditions, ScanFilter through the low-level client', async () => {
  const r = await python(strata.url, `
import os, json
import boto3
from botocore.exceptions import ClientError
c = boto3.client('dynamodb', endpoint_url=os.environ['STRATA_URL'], region_name='us-east-1')
def err(fn):
    try:
        fn()
    except ClientError as e:
        return [e.response['Error']['Code'], e.response['Error']['Message']]
    return None
c.put_item(TableName='Legacy', Item={'pk': {'S': 'b1'}, 'v': {'N': '1'}})
out = {}
out['overwrite'] = err(lambda: c.put_item(TableName='Legacy', Item={'pk': {'S': 'b1'}, 'v': {'N': '2'}}, Expected={'pk': {'Exists': False}}))
c.update_item(TableName='Legacy', Key={'pk': {'S': 'b1'}}, AttributeUpdates={'v': {'Action': 'ADD', 'Value': {'N': '10'}}, 'w': {'Value': {'S': 'new'}}})
out['item'] = c.get_item(TableName='Legacy', Key={'pk': {'S': 'b1'}})['Item']
out['arity'] = err(lambda: c.put_item(TableName='Legacy', Item={'pk': {'S': 'b1'}}, Expected={'v': {'ComparisonOperator': 'EQ', 'AttributeValueList': []}}))
out['query'] = [i['sk']['N'] for i in c.query(TableName='LegacyRange', KeyConditions={'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'b'}]}, 'sk': {'ComparisonOperator': 'GE', 'AttributeValueList': [{'N': '8'}]}})['Items']]
out['scan'] = sorted(int(i['sk']['N']) for i in c.scan(TableName='LegacyRange', ScanFilter={'color': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'red'}]}, 'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'b'}]}})['Items'])
out['mixed'] = err(lambda: c.query(TableName='LegacyRange', KeyConditionExpression='pk = :a', ExpressionAttributeValues={':a': {'S': 'a'}}, QueryFilter={'color': {'ComparisonOperator': 'NOT_NULL'}}))
print(json.dumps(out))
`);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(out.overwrite, ['ConditionalCheckFailedException', 'The conditional request failed']);
  assert.deepEqual(out.item, { pk: { S: 'b1' }, v: { N: '11' }, w: { S: 'new' } });
  assert.deepEqual(out.arity, ['ValidationException', `${INVALID}Invalid number of argument(s) for the EQ ComparisonOperator`]);
  assert.deepEqual(out.query, ['8', '9']);
  assert.deepEqual(out.scan, [7, 9]);
  assert.deepEqual(out.mixed, ['ValidationException',
    'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {QueryFilter} Expression parameters: {KeyConditionExpression}']);
});
