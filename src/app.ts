import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StrataConfig } from './config.js';
import { dynamoOperations } from './dynamodb/operations.js';
import { DynamoService } from './dynamodb/service.js';
import { TtlSweeper } from './dynamodb/ttl-sweeper.js';
import { AdminHandler } from './pitr/admin-handler.js';
import { Clock } from './pitr/clock.js';
import { PitrService } from './pitr/pitr-service.js';
import { Authenticator } from './server/auth.js';
import { DynamoDbHandler } from './server/dynamodb-handler.js';
import { HttpServer } from './server/http-server.js';
import { SqliteStore } from './storage/sqlite/sqlite-store.js';

export interface RunningStrata {
  url: string;
  port: number;
  svc: DynamoService;
  pitr: PitrService;
  close(): Promise<void>;
}

/** Wires store, clock, services and protocol handlers together and starts listening. */
export async function startStrata(config: StrataConfig): Promise<RunningStrata> {
  const clock = new Clock();
  let path = ':memory:';
  if (!config.inMemory) {
    mkdirSync(config.dataDir, { recursive: true });
    path = join(config.dataDir, 'strata.db');
  }
  const store = new SqliteStore(path, () => clock.commitTs());
  clock.observe(store.lastCommitTs());
  const svc = new DynamoService(store, clock);
  const pitr = new PitrService(svc, { lagSeconds: config.pitrLagSeconds });
  const auth = new Authenticator(config.credentials, config.permissiveAuth, () => Date.now());
  const http = new HttpServer([new DynamoDbHandler(svc, auth, dynamoOperations),
    new AdminHandler(pitr, auth, { timeTravel: config.timeTravel, sweepTtl: () => sweeper.sweepOnce() })]);
  const sweeper = new TtlSweeper(svc, config.ttlSweepSeconds * 1000);
  sweeper.start();
  pitr.start();
  const address = await http.listen(config.port, config.host);
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    svc,
    pitr,
    async close() {
      sweeper.stop();
      pitr.stop();
      await http.close();
      store.close();
    },
  };
}
