import type { Clock } from '../pitr/clock.js';
import { AwsError, resourceNotFound } from '../server/errors.js';
import type { RequestContext } from '../server/request-context.js';
import type { Store, StoredTable } from '../storage/store.js';
import type { TableState } from './table-state.js';

export interface LoadedTable {
  uid: number;
  account: string;
  region: string;
  state: TableState;
}

export type Operation = (svc: DynamoService, ctx: RequestContext, input: Record<string, unknown>) => unknown | Promise<unknown>;

/**
 * Shared context of the DynamoDB operations: the store, the clock, and a cache of parsed table state
 * (table metadata is read on every request; parsing it each time would dominate small operations).
 */
export class DynamoService {
  private readonly cache = new Map<string, LoadedTable>();
  /** Listeners told after every table change (TTL sweeper, exports). */
  readonly onTableDeleted: Array<(uid: number) => void> = [];

  constructor(readonly store: Store, readonly clock: Clock) {}

  private cacheKey(account: string, region: string, name: string): string {
    return `${account}\u0000${region}\u0000${name}`;
  }

  /** Resolves a TableName parameter (a name or an ARN of the caller's account and region). */
  tableNameFrom(ctx: RequestContext, nameOrArn: string): string {
    if (!nameOrArn.startsWith('arn:')) return nameOrArn;
    const m = /^arn:aws:dynamodb:([^:]+):(\d{12}):table\/([^/]+)$/.exec(nameOrArn);
    if (!m || m[1] !== ctx.region || m[2] !== ctx.account) {
      throw new AwsError('ValidationException', `Invalid TableArn: ${nameOrArn}`, 400);
    }
    return m[3]!;
  }

  findTable(ctx: RequestContext, nameOrArn: string): LoadedTable | undefined {
    const name = this.tableNameFrom(ctx, nameOrArn);
    const key = this.cacheKey(ctx.account, ctx.region, name);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const stored = this.store.getTable(ctx.account, ctx.region, name);
    if (!stored) return undefined;
    const loaded = toLoaded(stored);
    this.cache.set(key, loaded);
    return loaded;
  }

  /** The table, or ResourceNotFoundException with the short message the item operations use (also while
   * a restore is still filling the table: AWS serves only DescribeTable until it is ACTIVE). */
  requireTable(ctx: RequestContext, nameOrArn: string, message = 'Requested resource not found'): LoadedTable {
    const t = this.findTable(ctx, nameOrArn);
    if (!t || t.state.RestoreSummary?.RestoreInProgress) throw resourceNotFound(message);
    return t;
  }

  saveState(table: LoadedTable): void {
    this.store.putTableState(table.uid, JSON.stringify(table.state));
    this.cache.set(this.cacheKey(table.account, table.region, table.state.TableName), table);
  }

  forget(table: LoadedTable): void {
    this.cache.delete(this.cacheKey(table.account, table.region, table.state.TableName));
  }

  loadByUid(uid: number): LoadedTable | undefined {
    const stored = this.store.getTableByUid(uid);
    return stored ? toLoaded(stored) : undefined;
  }
}

function toLoaded(stored: StoredTable): LoadedTable {
  return { uid: stored.uid, account: stored.account, region: stored.region, state: JSON.parse(stored.state) as TableState };
}
