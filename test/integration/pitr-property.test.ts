import {
  CreateTableCommand, DeleteItemCommand, DescribeContinuousBackupsCommand, PutItemCommand, RestoreTableToPointInTimeCommand, TransactWriteItemsCommand,
  UpdateContinuousBackupsCommand, UpdateItemCommand, UpdateTimeToLiveCommand, type AttributeValue, type DynamoDBClient, type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { admin, advance, nowMs, scanAll, waitActive } from '../helpers/admin.js';
import { dynamo } from '../helpers/clients.js';
import { startStrataProcess, type StrataProcess } from '../helpers/strata-process.js';

/**
 * Exactness of PITR: random puts, updates, deletes, transactions and TTL expiries over simulated time
 * (time travel), with PITR toggled and a one-day recovery period so retention compacts history as the
 * window slides. A restore at any recorded instant must equal a reference model's state at that instant,
 * and an instant outside the window must be refused.
 */

type Key = { pk: string; sk: number };
type Item = Record<string, AttributeValue>;
type Ttl = 'none' | 'expired' | 'later';
type Cmd =
  | { k: 'put'; key: Key; v: number; ttl: Ttl }
  | { k: 'update'; key: Key; d: number }
  | { k: 'delete'; key: Key }
  | { k: 'txn'; ops: Array<{ k: 'put' | 'update' | 'delete'; key: Key; v: number }> }
  | { k: 'advance'; s: number }
  | { k: 'sweep' }
  | { k: 'toggle' };

const DAY_MS = 86_400_000;
/** "later" TTLs sit 2950 s ahead: no sum of the advances below lands within seconds of them. */
const LATER_S = 2950;
/** Advances chosen so that sums rarely approach a boundary; instants within 10 s of one are skipped. */
const ADVANCES = [1, 700, 3700, 25_000, 50_000];

const keyArb = fc.record({ pk: fc.constantFrom('a', 'b', 'c'), sk: fc.integer({ min: 1, max: 3 }) });
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ k: fc.constant('put' as const), key: keyArb, v: fc.integer({ min: 0, max: 99 }), ttl: fc.constantFrom<Ttl>('none', 'none', 'expired', 'later') }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('update' as const), key: keyArb, d: fc.integer({ min: 1, max: 9 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('delete' as const), key: keyArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('txn' as const),
      ops: fc.uniqueArray(fc.record({ k: fc.constantFrom('put' as const, 'update' as const, 'delete' as const), key: keyArb, v: fc.integer({ min: 0, max: 99 }) }),
        { minLength: 1, maxLength: 4, selector: (o) => `${o.key.pk}${o.key.sk}` }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('advance' as const), s: fc.constantFrom(...ADVANCES) }) },
  { weight: 1, arbitrary: fc.constant({ k: 'sweep' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'toggle' as const }) },
);

let strata: StrataProcess;
let client: DynamoDBClient;
let runNo = 0;
const stats = { compared: 0, refused: 0, skipped: 0, deleted: 0 };

before(async () => {
  strata = await startStrataProcess(['--in-memory', '--pitr-lag', '0', '--ttl-sweep-seconds', '86400']);
  client = dynamo(strata.url);
});

after(async () => {
  client.destroy();
  await strata.stop();
});

const id = (k: Key): string => JSON.stringify([{ S: k.pk }, { N: String(k.sk) }]);
const keyAttrs = (k: Key): Item => ({ pk: { S: k.pk }, sk: { N: String(k.sk) } });

async function setPitr(table: string, on: boolean): Promise<void> {
  await client.send(new UpdateContinuousBackupsCommand({
    TableName: table, PointInTimeRecoverySpecification: on ? { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 1 } : { PointInTimeRecoveryEnabled: false },
  }));
}

test('a restore at any instant equals the model at that instant', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(cmdArb, { minLength: 5, maxLength: 30 }), fc.array(fc.nat(), { minLength: 2, maxLength: 4 }), async (cmds, picks) => {
      const table = `prop${++runNo}`;
      await client.send(new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
        BillingMode: 'PAY_PER_REQUEST',
      }));
      await client.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { Enabled: true, AttributeName: 'exp' } }));
      const model = new Map<string, Item>();
      const marks: Array<{ at: number; state: Map<string, Item> }> = [];
      let pitrOn = true;
      let enabledMark = 0;
      await setPitr(table, true);
      const mark = async (): Promise<number> => {
        const at = await nowMs(strata.url);
        marks.push({ at, state: new Map(model) });
        return at;
      };
      enabledMark = await mark();

      for (const c of cmds) {
        switch (c.k) {
          case 'put': {
            const item: Item = { ...keyAttrs(c.key), v: { N: String(c.v) } };
            if (c.ttl !== 'none') {
              const s = Math.floor((await nowMs(strata.url)) / 1000);
              item.exp = { N: String(c.ttl === 'expired' ? s - 100 : s + LATER_S) };
            }
            await client.send(new PutItemCommand({ TableName: table, Item: item }));
            model.set(id(c.key), item);
            break;
          }
          case 'update': {
            const r = await client.send(new UpdateItemCommand({
              TableName: table, Key: keyAttrs(c.key), UpdateExpression: 'SET v = if_not_exists(v, :z) + :d',
              ExpressionAttributeValues: { ':z': { N: '0' }, ':d': { N: String(c.d) } }, ReturnValues: 'ALL_NEW',
            }));
            const old = model.get(id(c.key));
            const expected: Item = { ...(old ?? keyAttrs(c.key)), v: { N: String(Number(old?.v?.N ?? 0) + c.d) } };
            assert.deepEqual(r.Attributes, expected);
            model.set(id(c.key), expected);
            break;
          }
          case 'delete':
            await client.send(new DeleteItemCommand({ TableName: table, Key: keyAttrs(c.key) }));
            model.delete(id(c.key));
            break;
          case 'txn': {
            const items: TransactWriteItem[] = c.ops.map((o) =>
              o.k === 'put' ? { Put: { TableName: table, Item: { ...keyAttrs(o.key), v: { N: String(o.v) } } } }
                : o.k === 'delete' ? { Delete: { TableName: table, Key: keyAttrs(o.key) } }
                  : { Update: { TableName: table, Key: keyAttrs(o.key), UpdateExpression: 'SET v = if_not_exists(v, :z) + :d',
                    ExpressionAttributeValues: { ':z': { N: '0' }, ':d': { N: String(o.v) } } } });
            await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
            for (const o of c.ops) {
              if (o.k === 'put') model.set(id(o.key), { ...keyAttrs(o.key), v: { N: String(o.v) } });
              else if (o.k === 'delete') model.delete(id(o.key));
              else {
                const old = model.get(id(o.key));
                model.set(id(o.key), { ...(old ?? keyAttrs(o.key)), v: { N: String(Number(old?.v?.N ?? 0) + o.v) } });
              }
            }
            break;
          }
          case 'advance':
            await advance(strata.url, c.s);
            break;
          case 'sweep': {
            const nowS = (await nowMs(strata.url)) / 1000;
            await admin(strata.url, 'POST', '/_strata/ttl/sweep');
            for (const [k, item] of model) if (item.exp && Number(item.exp.N) <= nowS) model.delete(k);
            break;
          }
          case 'toggle':
            await setPitr(table, !pitrOn);
            pitrOn = !pitrOn;
            if (pitrOn) {
              enabledMark = await mark();
              continue;
            }
            break;
        }
        await mark();
      }
      if (!pitrOn) {
        await setPitr(table, true);
        enabledMark = await mark();
      }

      // Let retention do all it may (history before each window, everything while PITR was off)...
      stats.deleted += Number((await admin(strata.url, 'POST', '/_strata/pitr/compact')).Deleted);
      // ...then restore at a few recorded instants and at the latest restorable time.
      const now = await nowMs(strata.url);
      // The enable instant is exact (marks after it are inside, marks before it outside); the sliding edge
      // (now minus the one-day period) moves with real time, so instants within 10 s of it are not judged.
      const edge = now - DAY_MS;
      const earliest = Math.max(enabledMark, edge);
      const w = (await client.send(new DescribeContinuousBackupsCommand({ TableName: table }))).ContinuousBackupsDescription!.PointInTimeRecoveryDescription!;
      assert.ok(Math.abs(w.EarliestRestorableDateTime!.getTime() - earliest) < 10_000, `earliest ${w.EarliestRestorableDateTime!.getTime()} vs model ${earliest}`);
      let n = 0;
      for (const p of [...new Set(picks.map((x) => x % marks.length))]) {
        const m = marks[p]!;
        if (Math.abs(m.at - edge) < 10_000) {
          stats.skipped++;
          continue;
        }
        const target = `${table}-r${n++}`;
        const call = client.send(new RestoreTableToPointInTimeCommand({ SourceTableName: table, TargetTableName: target, RestoreDateTime: new Date(m.at) }));
        if (m.at < earliest) {
          await assert.rejects(call, (e: Error) => e.name === 'InvalidRestoreTimeException');
          stats.refused++;
          continue;
        }
        await call;
        await waitActive(client, target);
        const got = await scanAll(client, target, ['pk', 'sk']);
        assert.deepEqual(new Map([...got].sort()), new Map([...m.state].sort()), `restore of ${table} at mark ${p} (${m.at})`);
        stats.compared++;
      }
      const latest = `${table}-latest`;
      await client.send(new RestoreTableToPointInTimeCommand({ SourceTableName: table, TargetTableName: latest, UseLatestRestorableTime: true }));
      await waitActive(client, latest);
      assert.deepEqual(new Map([...(await scanAll(client, latest, ['pk', 'sk']))].sort()), new Map([...model].sort()));
      // The source itself reads exactly the model's current state.
      assert.deepEqual(new Map([...(await scanAll(client, table, ['pk', 'sk']))].sort()), new Map([...model].sort()));
    }),
    { numRuns: 40 },
  );
  // Restores compared with the model, restores refused as outside the window, instants too close to the
  // sliding edge to judge, versions retention deleted along the way.
  console.log(`# pitr property: ${JSON.stringify(stats)}`);
  // Forty runs of several picks each: most restores must have been judged against the model, not skipped.
  assert.ok(stats.compared >= 40, `restores compared with the model: ${stats.compared}`);
});
