import type { Operation } from '../dynamodb/service.js';
import { describeExportOp, exportTableToPointInTime, listExports, type ExportContext } from './export-api.js';

/** The export operations, bound to their context, by X-Amz-Target name. */
export function exportOperations(x: ExportContext): Map<string, Operation> {
  return new Map<string, Operation>([
    ['ExportTableToPointInTime', (_svc, rc, input) => exportTableToPointInTime(x, rc, input)],
    ['DescribeExport', (_svc, rc, input) => describeExportOp(x, rc, input)],
    ['ListExports', (_svc, rc, input) => listExports(x, rc, input)],
  ]);
}
