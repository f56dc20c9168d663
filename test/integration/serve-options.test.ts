/**
 * `strata serve` configured through environment variables alone, and bad option values refused at start
 * with a message naming the option (a real child process, a real SDK client).
 */
import { CreateTableCommand, ListTablesCommand, PutItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { dynamo } from '../helpers/clients.js';
import { BIN, removeDir, tempDir } from '../helpers/strata-process.js';

interface Run {
  url?: string;
  code: number | null;
  output: string;
  stop: () => Promise<number | null>;
}

/** Runs `strata serve` with no flags: only the environment given (plus PATH) configures it. */
function serveWithEnv(env: NodeJS.ProcessEnv, args: string[] = []): Promise<Run> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const stop = (): Promise<number | null> => new Promise((res) => {
    if (child.exitCode !== null) return res(child.exitCode);
    child.once('exit', (code) => res(code));
    child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no answer from strata:\n${output}`)); }, 20_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], code: null, output, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, stop });
    });
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const TABLE = {
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }],
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }],
  BillingMode: 'PAY_PER_REQUEST' as const,
};

describe('options from the environment', () => {
  test('STRATA_PORT and STRATA_DATA_DIR: the port is used, the data lands in the directory and survives a restart', async () => {
    const port = await freePort();
    const dir = tempDir();
    try {
      let run = await serveWithEnv({ STRATA_PORT: String(port), STRATA_DATA_DIR: dir });
      assert.equal(run.url, `http://127.0.0.1:${port}`, run.output);
      let client = dynamo(run.url!);
      await client.send(new CreateTableCommand({ TableName: 'env_dir', ...TABLE }));
      await client.send(new PutItemCommand({ TableName: 'env_dir', Item: { id: { S: 'x' } } }));
      client.destroy();
      assert.equal(await run.stop(), 0);
      assert.ok(existsSync(join(dir, 'strata.db')), readdirSync(dir).join(', '));
      run = await serveWithEnv({ STRATA_PORT: String(port), STRATA_DATA_DIR: dir });
      client = dynamo(run.url!);
      assert.deepEqual((await client.send(new GetItemCommand({ TableName: 'env_dir', Key: { id: { S: 'x' } } }))).Item, { id: { S: 'x' } });
      client.destroy();
      await run.stop();
    } finally {
      removeDir(dir);
    }
  });

  test('STRATA_IN_MEMORY (any usual spelling of true) keeps nothing on disk', async () => {
    for (const spelling of ['true', 'YES', '1']) {
      const dir = tempDir();
      try {
        const run = await serveWithEnv({ STRATA_PORT: '0', STRATA_DATA_DIR: dir, STRATA_IN_MEMORY: spelling });
        assert.match(run.output, /data: in memory/, spelling);
        const client = dynamo(run.url!);
        await client.send(new CreateTableCommand({ TableName: 'env_mem', ...TABLE }));
        client.destroy();
        await run.stop();
        assert.equal(existsSync(join(dir, 'strata.db')), false, spelling);
      } finally {
        removeDir(dir);
      }
    }
    const dir = tempDir();
    try {
      const run = await serveWithEnv({ STRATA_PORT: '0', STRATA_DATA_DIR: dir, STRATA_IN_MEMORY: 'no' });
      assert.match(run.output, new RegExp(`data: ${dir}`));
      await run.stop();
    } finally {
      removeDir(dir);
    }
  });

  test('STRATA_AUTH=strict and STRATA_CREDENTIALS: only the listed key is accepted, in its account', async () => {
    const run = await serveWithEnv({ STRATA_PORT: '0', STRATA_IN_MEMORY: 'true', STRATA_AUTH: 'strict', STRATA_CREDENTIALS: 'envkey:envsecret:444444444444' });
    try {
      assert.match(run.output, /auth: strict/);
      const known = dynamo(run.url!, { accessKeyId: 'envkey', secretAccessKey: 'envsecret' });
      const t = await known.send(new CreateTableCommand({ TableName: 'env_auth', ...TABLE }));
      assert.equal(t.TableDescription!.TableArn, 'arn:aws:dynamodb:us-east-1:444444444444:table/env_auth');
      known.destroy();
      const stranger = dynamo(run.url!, { accessKeyId: 'test', secretAccessKey: 'test' });
      await assert.rejects(stranger.send(new ListTablesCommand({})), (e: Error) => {
        assert.equal(e.name, 'UnrecognizedClientException');
        assert.equal(e.message, 'The security token included in the request is invalid.');
        return true;
      });
      stranger.destroy();
    } finally {
      await run.stop();
    }
  });
});

describe('bad option values stop the server at start, naming the option', () => {
  const cases: [string, NodeJS.ProcessEnv, string[], RegExp][] = [
    ['ttl sweep of 0 (would spin)', {}, ['--ttl-sweep-seconds', '0'], /--ttl-sweep-seconds \(STRATA_TTL_SWEEP_SECONDS\) must be a positive number, not "0"/],
    ['ttl sweep not a number', { STRATA_TTL_SWEEP_SECONDS: 'often' }, [], /--ttl-sweep-seconds \(STRATA_TTL_SWEEP_SECONDS\) must be a positive number, not "often"/],
    ['port not a number', { STRATA_PORT: 'http' }, [], /--port \(STRATA_PORT\) must be a whole number from 0 to 65535, not "http"/],
    ['port out of range', {}, ['--port', '70000'], /--port \(STRATA_PORT\) must be a whole number from 0 to 65535, not "70000"/],
    ['negative pitr lag', {}, ['--pitr-lag=-1'], /--pitr-lag \(STRATA_PITR_LAG\) must be a non-negative number, not "-1"/],
    ['export segment of 0', { STRATA_EXPORT_SEGMENT_MB: '0' }, [], /--export-segment-mb \(STRATA_EXPORT_SEGMENT_MB\) must be a positive number, not "0"/],
    ['a fraction of a connection', { STRATA_RDS_READERS: '2.5' }, [], /--rds-readers \(STRATA_RDS_READERS\) must be a positive whole number, not "2.5"/],
    ['empty max exports', { STRATA_MAX_CONCURRENT_EXPORTS: ' ' }, [], /--max-concurrent-exports \(STRATA_MAX_CONCURRENT_EXPORTS\) must be a positive number, not " "/],
    ['in-memory misspelt', { STRATA_IN_MEMORY: 'ture' }, [], /--in-memory \(STRATA_IN_MEMORY\) must be true or false \(also 1\/0, yes\/no\), not "ture"/],
    ['time travel misspelt', {}, ['--time-travel', 'off'], /--time-travel \(STRATA_TIME_TRAVEL\) must be true or false \(also 1\/0, yes\/no\), not "off"/],
    ['unknown auth mode', { STRATA_AUTH: 'lenient' }, [], /--auth \(STRATA_AUTH\) must be strict or permissive, not "lenient"/],
  ];
  for (const [what, env, args, message] of cases) {
    test(what, async () => {
      const run = await serveWithEnv({ STRATA_IN_MEMORY: 'true', ...env }, ['--port', '0', ...args].slice(args.includes('--port') || env.STRATA_PORT ? 2 : 0));
      assert.equal(run.url, undefined, `started anyway:\n${run.output}`);
      assert.equal(run.code, 1);
      assert.match(run.output, message);
    });
  }
});
