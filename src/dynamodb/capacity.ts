import type { TableState } from './table-state.js';

export type CapacityMode = 'NONE' | 'TOTAL' | 'INDEXES';

/** Write units: 1 per KB (rounded up) of the larger of the old and new image, at least 1. */
export function writeUnits(oldSize: number, newSize: number): number {
  return Math.max(1, Math.ceil(Math.max(oldSize, newSize) / 1024));
}

/** Read units: 1 per 4 KB (rounded up), halved for eventually consistent reads. */
export function readUnits(size: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(size / 4096));
  return consistent ? units : units / 2;
}

/** The ConsumedCapacity element DynamoDB returns, or undefined when not requested. */
export function consumed(state: TableState, mode: unknown, units: number, kind: 'read' | 'write', indexUnits: Record<string, number> = {}): Record<string, unknown> | undefined {
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return undefined;
  const total = units + Object.values(indexUnits).reduce((a, b) => a + b, 0);
  const out: Record<string, unknown> = { TableName: state.TableName, CapacityUnits: total };
  if (kind === 'read') out.ReadCapacityUnits = total;
  else out.WriteCapacityUnits = total;
  if (mode === 'INDEXES') {
    const unit = (n: number) => (kind === 'read' ? { ReadCapacityUnits: n, CapacityUnits: n } : { WriteCapacityUnits: n, CapacityUnits: n });
    out.Table = unit(units);
    const gsis: Record<string, unknown> = {};
    const lsis: Record<string, unknown> = {};
    for (const [name, n] of Object.entries(indexUnits)) {
      if (state.GlobalSecondaryIndexes.some((g) => g.IndexName === name)) gsis[name] = unit(n);
      else lsis[name] = unit(n);
    }
    if (Object.keys(gsis).length) out.GlobalSecondaryIndexes = gsis;
    if (Object.keys(lsis).length) out.LocalSecondaryIndexes = lsis;
  }
  return out;
}
