import { readFileSync } from 'node:fs';
import { parseSourceSpec, sourceDef, type SourceDef } from './rds/sources/source.js';
import { DEFAULT_ACCOUNT, parseCredentials, type Credential } from './server/auth.js';

export interface StrataConfig {
  host: string;
  port: number;
  dataDir: string;
  inMemory: boolean;
  credentials: Credential[];
  /** Accept well-formed signatures from unknown keys (default: on when bound to loopback). */
  permissiveAuth: boolean;
  ttlSweepSeconds: number;
  /** How far LatestRestorableDateTime trails now, in seconds (AWS: about 300; 0 = now exactly). */
  pitrLagSeconds: number;
  /** Whether the admin API may move the clock forward (POST /_strata/clock/advance). */
  timeTravel: boolean;
  /** Where exports write: the embedded store on this port when empty, else any S3 endpoint. */
  s3Endpoint: string;
  s3Region: string;
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
  maxConcurrentExports: number;
  /** Uncompressed table bytes per export data file (and per resumable unit of work). */
  exportSegmentBytes: number;
  incrementalMinPeriodSeconds: number;
  /** Databases registered for the RDS API (instances and clusters), the embedded PGlite one included. */
  rdsSources: SourceDef[];
  /** Bytes of values per exported Parquet file before a table is split into another part. */
  rdsPartitionBytes: number;
  /** Connections reading one PostgreSQL database in parallel during a snapshot or cluster export. */
  rdsReaders: number;
  rdsMaxRunningExports: number;
}

/** Every option, its environment variable and its default: the one table `strata serve --help` prints. */
export const OPTIONS = [
  { flag: 'host', env: 'STRATA_HOST', def: '127.0.0.1', help: 'address to bind (loopback unless told otherwise)' },
  { flag: 'port', env: 'STRATA_PORT', def: '4566', help: 'port for every protocol (DynamoDB, S3, RDS, console)' },
  { flag: 'data-dir', env: 'STRATA_DATA_DIR', def: '.strata-data', help: 'directory holding the embedded store' },
  { flag: 'in-memory', env: 'STRATA_IN_MEMORY', def: 'false', help: 'keep everything in memory (nothing survives a restart)' },
  { flag: 'credentials', env: 'STRATA_CREDENTIALS', def: `test:test:${DEFAULT_ACCOUNT}`, help: 'accepted keys: ACCESS_KEY:SECRET[:ACCOUNT],...' },
  { flag: 'auth', env: 'STRATA_AUTH', def: '', help: 'strict | permissive (default: permissive on loopback, strict otherwise)' },
  { flag: 'ttl-sweep-seconds', env: 'STRATA_TTL_SWEEP_SECONDS', def: '30', help: 'how often expired TTL items are deleted' },
  { flag: 'pitr-lag', env: 'STRATA_PITR_LAG', def: '300', help: 'seconds LatestRestorableDateTime trails now (AWS: ~300; 0 = now exactly)' },
  { flag: 'time-travel', env: 'STRATA_TIME_TRAVEL', def: 'true', help: 'allow signed POST /_strata/clock/advance to move the clock forward' },
  { flag: 's3-endpoint', env: 'STRATA_S3_ENDPOINT', def: '', help: 'S3 endpoint exports write to (default: the embedded store on this port)' },
  { flag: 's3-region', env: 'STRATA_S3_REGION', def: 'us-east-1', help: 'region used to sign requests to --s3-endpoint' },
  { flag: 's3-access-key-id', env: 'STRATA_S3_ACCESS_KEY_ID', def: '', help: 'credentials for --s3-endpoint (default: the AWS SDK chain)' },
  { flag: 's3-secret-access-key', env: 'STRATA_S3_SECRET_ACCESS_KEY', def: '', help: 'secret for --s3-access-key-id' },
  { flag: 'max-concurrent-exports', env: 'STRATA_MAX_CONCURRENT_EXPORTS', def: '300', help: 'exports in progress per account before LimitExceededException' },
  { flag: 'export-segment-mb', env: 'STRATA_EXPORT_SEGMENT_MB', def: '128', help: 'megabytes per export data file, of table (full) or of changes (incremental); the unit resumed after a crash' },
  { flag: 'incremental-min-period', env: 'STRATA_INCREMENTAL_MIN_PERIOD', def: '900', help: 'shortest incremental export period in seconds (AWS: 15 minutes)' },
  { flag: 'rds-instance', env: 'STRATA_RDS_INSTANCES', def: '', help: 'register a DB instance: ID=postgres://... | ID=mysql://... | ID=pglite:[DIR] (repeatable; env: comma-separated)' },
  { flag: 'rds-cluster', env: 'STRATA_RDS_CLUSTERS', def: '', help: 'register a DB cluster (exportable live): ID=URL, as --rds-instance (repeatable)' },
  { flag: 'rds-config', env: 'STRATA_RDS_CONFIG', def: '', help: 'JSON file {"instances": {"ID": "URL"}, "clusters": {"ID": "URL"}}' },
  { flag: 'rds-embedded', env: 'STRATA_RDS_EMBEDDED', def: 'database-1', help: 'identifier of the embedded PostgreSQL (PGlite) demo instance; "false" for none' },
  { flag: 'rds-partition-mb', env: 'STRATA_RDS_PARTITION_MB', def: '256', help: 'megabytes of table data per exported Parquet file' },
  { flag: 'rds-readers', env: 'STRATA_RDS_READERS', def: '4', help: 'connections reading a PostgreSQL snapshot in parallel' },
  { flag: 'rds-max-running-exports', env: 'STRATA_RDS_MAX_RUNNING_EXPORTS', def: '5', help: 'RDS export tasks running at once (others wait in STARTING)' },
] as const;

/** Flags that may be given several times. */
export const REPEATABLE_FLAGS: readonly string[] = ['rds-instance', 'rds-cluster'];

export type OptionValues = Partial<Record<(typeof OPTIONS)[number]['flag'], string | boolean | string[]>>;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Flags win over environment variables, which win over defaults. */
export function resolveConfig(flags: OptionValues, env: NodeJS.ProcessEnv = process.env): StrataConfig {
  const get = (flag: (typeof OPTIONS)[number]['flag']): string => {
    const o = OPTIONS.find((x) => x.flag === flag)!;
    const v = flags[flag];
    if (Array.isArray(v)) return v.join('\n');
    if (v !== undefined) return String(v);
    return env[o.env] ?? o.def;
  };
  const host = get('host');
  const auth = get('auth');
  if (auth && auth !== 'strict' && auth !== 'permissive') throw new Error(`${named('auth')} must be strict or permissive, not "${auth}"`);
  const port = Number(get('port'));
  if (get('port').trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${named('port')} must be a whole number from 0 to 65535, not "${get('port')}"`);
  }
  return {
    host,
    port,
    dataDir: get('data-dir'),
    inMemory: bool(get('in-memory'), 'in-memory'),
    credentials: parseCredentials(get('credentials')),
    permissiveAuth: auth ? auth === 'permissive' : isLoopback(host),
    // Zero or a non-number would make the sweeper spin (setTimeout treats NaN and 0 as ~1 ms).
    ttlSweepSeconds: positive(get('ttl-sweep-seconds'), 'ttl-sweep-seconds'),
    pitrLagSeconds: positive(get('pitr-lag'), 'pitr-lag', true),
    timeTravel: bool(get('time-travel'), 'time-travel'),
    s3Endpoint: get('s3-endpoint'),
    s3Region: get('s3-region'),
    s3AccessKeyId: get('s3-access-key-id'),
    s3SecretAccessKey: get('s3-secret-access-key'),
    maxConcurrentExports: whole(get('max-concurrent-exports'), 'max-concurrent-exports'),
    exportSegmentBytes: Math.round(positive(get('export-segment-mb'), 'export-segment-mb') * 1024 * 1024),
    incrementalMinPeriodSeconds: positive(get('incremental-min-period'), 'incremental-min-period', true),
    rdsSources: rdsSources(get('rds-instance'), get('rds-cluster'), get('rds-config'), get('rds-embedded')),
    rdsPartitionBytes: Math.round(positive(get('rds-partition-mb'), 'rds-partition-mb') * 1024 * 1024),
    rdsReaders: whole(get('rds-readers'), 'rds-readers'),
    rdsMaxRunningExports: whole(get('rds-max-running-exports'), 'rds-max-running-exports'),
  };
}

/** `ID=URL` entries (newline or comma separated), the config file's, and the embedded instance. */
function rdsSources(instances: string, clusters: string, file: string, embedded: string): SourceDef[] {
  const now = Date.now();
  const split = (text: string): string[] => text.split(/\n|,(?=\s*[A-Za-z][A-Za-z0-9-]*=)/).map((s) => s.trim()).filter(Boolean);
  const defs = [...split(instances).map((s) => parseSourceSpec(s, 'instance', now)), ...split(clusters).map((s) => parseSourceSpec(s, 'cluster', now))];
  if (file) {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { instances?: Record<string, string>; clusters?: Record<string, string> };
    for (const [id, url] of Object.entries(json.instances ?? {})) defs.push(parseSourceSpec(`${id}=${url}`, 'instance', now));
    for (const [id, url] of Object.entries(json.clusters ?? {})) defs.push(parseSourceSpec(`${id}=${url}`, 'cluster', now));
  }
  if (embedded && embedded !== 'false' && !defs.some((d) => d.kind === 'instance' && d.id === embedded)) defs.push(sourceDef(embedded, 'instance', 'pglite:', now));
  const seen = new Set<string>();
  for (const d of defs) {
    if (seen.has(`${d.kind}/${d.id}`)) throw new Error(`${d.kind} ${d.id} is registered twice`);
    seen.add(`${d.kind}/${d.id}`);
  }
  return defs;
}

/** An option as the user may have given it: `--flag (ENV)`, so a bad environment variable is found too. */
function named(flag: string): string {
  const o = OPTIONS.find((x) => x.flag === flag);
  return o ? `--${flag} (${o.env})` : `--${flag}`;
}

function positive(text: string, flag: string, zeroAllowed = false): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || (!zeroAllowed && n === 0)) {
    throw new Error(`${named(flag)} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number, not "${text}"`);
  }
  return n;
}

/** Counts (exports, connections) are whole numbers of at least 1. */
function whole(text: string, flag: string): number {
  const n = positive(text, flag);
  if (!Number.isInteger(n)) throw new Error(`${named(flag)} must be a positive whole number, not "${text}"`);
  return n;
}

const TRUE = ['true', '1', 'yes'];
const FALSE = ['false', '0', 'no'];

/** The usual spellings of a boolean (any case); anything else is refused rather than read as false. */
function bool(text: string, flag: string): boolean {
  const t = text.trim().toLowerCase();
  if (TRUE.includes(t)) return true;
  if (FALSE.includes(t)) return false;
  throw new Error(`${named(flag)} must be true or false (also 1/0, yes/no), not "${text}"`);
}
