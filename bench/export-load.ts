/**
 * Loader of the export benchmark, run as its own process before the measured server starts:
 *
 *   node dist/bench/export-load.js DATA_DIR NAME=COUNT [NAME=COUNT ...]
 *
 * Starts Strata in-process on DATA_DIR and writes through the public DynamoDB operations (CreateTable,
 * UpdateContinuousBackups, BatchWriteItem of 25) without HTTP, so a million items load in about a
 * minute instead of many. Only here, SQLite's synchronous mode is turned off (a crash of the loader would
 * just mean loading again; the data it leaves is exactly what the operations wrote). The measured server
 * opens the directory afterwards with its usual durable settings. Prints one JSON line when done.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { startStrata } from '../src/app.js';
import { resolveConfig } from '../src/config.js';
import { dynamoOperations } from '../src/dynamodb/operations.js';
import type { RequestContext } from '../src/server/request-context.js';
import type { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { benchItem, KEY_SCHEMA } from './export-items.js';

async function main(): Promise<void> {
  const [dir, ...specs] = process.argv.slice(2);
  if (!dir || specs.length === 0) throw new Error('usage: export-load.js DATA_DIR NAME=COUNT ...');
  const tables = specs.map((s) => {
    const [name, count] = s.split('=');
    return { name: name!, count: Number(count) };
  });
  const strata = await startStrata(resolveConfig({ 'data-dir': dir, port: '0', 'rds-embedded': 'false', 'ttl-sweep-seconds': '3600' }, {}));
  const db = (strata.svc.store as SqliteStore).db;
  db.pragma('synchronous = OFF');
  const rc: RequestContext = { account: '000000000000', region: 'us-east-1', accessKeyId: 'test', requestId: 'bench-load' };
  const op = (name: string) => dynamoOperations.get(name)!;
  const result: Record<string, { items: number; seconds: number }> = {};
  for (const t of tables) {
    const started = performance.now();
    await op('CreateTable')(strata.svc, rc, { TableName: t.name, ...KEY_SCHEMA });
    await op('UpdateContinuousBackups')(strata.svc, rc, { TableName: t.name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
    const batchWrite = op('BatchWriteItem');
    let lastReport = started;
    for (let i = 0; i < t.count; i += 25) {
      const reqs = [];
      for (let j = i; j < Math.min(t.count, i + 25); j++) reqs.push({ PutRequest: { Item: benchItem(j) } });
      await batchWrite(strata.svc, rc, { RequestItems: { [t.name]: reqs } });
      if (i % 10_000 === 0) {
        await yieldToEventLoop();
        if (performance.now() - lastReport > 10_000) {
          lastReport = performance.now();
          process.stderr.write(`  loader: ${t.name} ${i.toLocaleString('en-US')} / ${t.count.toLocaleString('en-US')}\n`);
        }
      }
    }
    result[t.name] = { items: t.count, seconds: (performance.now() - started) / 1000 };
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  await strata.close();
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
