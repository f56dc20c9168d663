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
  { flag: 'export-segment-mb', env: 'STRATA_EXPORT_SEGMENT_MB', def: '128', help: 'table megabytes per export data file (the unit resumed after a crash)' },
  { flag: 'incremental-min-period', env: 'STRATA_INCREMENTAL_MIN_PERIOD', def: '900', help: 'shortest incremental export period in seconds (AWS: 15 minutes)' },
] as const;

export type OptionValues = Partial<Record<(typeof OPTIONS)[number]['flag'], string | boolean>>;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Flags win over environment variables, which win over defaults. */
export function resolveConfig(flags: OptionValues, env: NodeJS.ProcessEnv = process.env): StrataConfig {
  const get = (flag: (typeof OPTIONS)[number]['flag']): string => {
    const o = OPTIONS.find((x) => x.flag === flag)!;
    const v = flags[flag];
    if (v !== undefined) return String(v);
    return env[o.env] ?? o.def;
  };
  const host = get('host');
  const auth = get('auth');
  if (auth && auth !== 'strict' && auth !== 'permissive') throw new Error(`--auth must be strict or permissive, not "${auth}"`);
  const port = Number(get('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port "${get('port')}"`);
  return {
    host,
    port,
    dataDir: get('data-dir'),
    inMemory: get('in-memory') === 'true',
    credentials: parseCredentials(get('credentials')),
    permissiveAuth: auth ? auth === 'permissive' : isLoopback(host),
    ttlSweepSeconds: Number(get('ttl-sweep-seconds')),
    pitrLagSeconds: pitrLag(get('pitr-lag')),
    timeTravel: get('time-travel') !== 'false',
    s3Endpoint: get('s3-endpoint'),
    s3Region: get('s3-region'),
    s3AccessKeyId: get('s3-access-key-id'),
    s3SecretAccessKey: get('s3-secret-access-key'),
    maxConcurrentExports: positive(get('max-concurrent-exports'), 'max-concurrent-exports'),
    exportSegmentBytes: Math.round(positive(get('export-segment-mb'), 'export-segment-mb') * 1024 * 1024),
    incrementalMinPeriodSeconds: positive(get('incremental-min-period'), 'incremental-min-period', true),
  };
}

function positive(text: string, flag: string, zeroAllowed = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!zeroAllowed && n === 0)) throw new Error(`--${flag} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number, not "${text}"`);
  return n;
}

function pitrLag(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`--pitr-lag must be a number of seconds >= 0, not "${text}"`);
  return n;
}
