import { join } from 'node:path';
import type { Engine } from '../types.js';
import { MysqlDriver } from './mysql.js';
import { PgliteDriver } from './pglite.js';
import { PostgresDriver } from './postgres.js';
import type { SourceDef, SourceDriver, SourceKind } from './source.js';

export interface RegisteredSource {
  def: SourceDef;
  driver: SourceDriver;
  /** Engine and version: asked once (in the background at start), guessed from the URL until then. */
  engine(): Promise<{ engine: Engine; engineVersion: string }>;
  /** The last known answer without waiting. */
  known(): { engine: Engine; engineVersion: string };
}

/** The databases registered with this server, by kind and identifier. Visible to every account and region. */
export class SourceRegistry {
  private readonly sources = new Map<string, RegisteredSource>();

  constructor(defs: SourceDef[], dataDir: string | null) {
    for (const def of defs) {
      const driver = driverFor(def, dataDir);
      let known: { engine: Engine; engineVersion: string } = {
        engine: def.scheme === 'mysql' ? (/^mariadb:/i.test(def.url) ? 'mariadb' : 'mysql') : 'postgres',
        engineVersion: '',
      };
      let pending: Promise<{ engine: Engine; engineVersion: string }> | undefined;
      const engine = (): Promise<{ engine: Engine; engineVersion: string }> => {
        pending ??= driver.probe().then(
          (v) => (known = v),
          () => {
            pending = undefined; // unreachable now: ask again next time
            return known;
          },
        );
        return pending;
      };
      this.sources.set(`${def.kind}/${def.id}`, { def, driver, engine, known: () => known });
    }
  }

  get(kind: SourceKind, id: string): RegisteredSource | undefined {
    return this.sources.get(`${kind}/${id.toLowerCase()}`);
  }

  list(kind: SourceKind): RegisteredSource[] {
    return [...this.sources.values()].filter((s) => s.def.kind === kind).sort((a, b) => a.def.id.localeCompare(b.def.id));
  }

  /** Asks every source for its engine version in the background (PGlite is only started when used). */
  probeAll(): void {
    for (const s of this.sources.values()) if (s.def.scheme !== 'pglite') void s.engine();
  }

  async close(): Promise<void> {
    await Promise.all([...this.sources.values()].map((s) => s.driver.close().catch(() => undefined)));
  }
}

function driverFor(def: SourceDef, dataDir: string | null): SourceDriver {
  switch (def.scheme) {
    case 'postgres':
      return new PostgresDriver(def.url, def.database);
    case 'mysql':
      return new MysqlDriver(def.url, def.database);
    case 'pglite': {
      const rest = def.url.replace(/^pglite:(\/\/)?/i, '');
      const dir = rest ? rest : dataDir ? join(dataDir, 'rds', 'pglite', def.id) : null;
      return new PgliteDriver(dir, true);
    }
  }
}
