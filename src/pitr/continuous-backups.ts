import { ConstraintChecker } from '../dynamodb/constraints.js';
import type { DynamoService, LoadedTable } from '../dynamodb/service.js';
import type { PitrState, TableState } from '../dynamodb/table-state.js';
import { AwsError, validation } from '../server/errors.js';
import type { RequestContext } from '../server/request-context.js';
import { pitrOf } from './pitr-service.js';
import { booleanMember, integerMember } from '../dynamodb/wire-types.js';

type Input = Record<string, unknown>;

export const DEFAULT_RECOVERY_PERIOD_DAYS = 35;

export function tableNotFound(name: string): AwsError {
  return new AwsError('TableNotFoundException', `Table not found: ${name}`, 400);
}

/**
 * The table of a continuous-backups or restore call. A table still being restored is unknown to the
 * backup APIs until it is ACTIVE (TableNotFoundException), as on AWS.
 */
export function backupTable(svc: DynamoService, rc: RequestContext, nameOrArn: string): LoadedTable {
  const t = svc.findTable(rc, nameOrArn);
  if (!t || t.state.RestoreSummary?.RestoreInProgress) throw tableNotFound(nameOrArn);
  return t;
}

/** ContinuousBackupsDescription: continuous backups are always on; PITR is the part users switch. */
export function continuousBackupsDescription(svc: DynamoService, state: TableState): Record<string, unknown> {
  const w = pitrOf(svc).window(state);
  if (!w) {
    return { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' } };
  }
  return {
    ContinuousBackupsStatus: 'ENABLED',
    PointInTimeRecoveryDescription: {
      PointInTimeRecoveryStatus: 'ENABLED',
      RecoveryPeriodInDays: state.Pitr.recoveryPeriodInDays,
      EarliestRestorableDateTime: w.earliestMs / 1000,
      LatestRestorableDateTime: w.latestMs / 1000,
    },
  };
}

export function describeContinuousBackups(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  c.tableNameOrArn(input.TableName);
  c.throwIfAny();
  const t = backupTable(svc, rc, input.TableName as string);
  return { ContinuousBackupsDescription: continuousBackupsDescription(svc, t.state) };
}

export function updateContinuousBackups(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  c.tableNameOrArn(input.TableName);
  c.required(input.PointInTimeRecoverySpecification, 'pointInTimeRecoverySpecification');
  const spec = (input.PointInTimeRecoverySpecification ?? {}) as { PointInTimeRecoveryEnabled?: unknown; RecoveryPeriodInDays?: unknown };
  // Wrong JSON types fail deserialization first: a stray "yes" must not disable PITR (and drop the history).
  const enabled = booleanMember(spec.PointInTimeRecoveryEnabled);
  const days = integerMember(spec.RecoveryPeriodInDays);
  if (input.PointInTimeRecoverySpecification) {
    c.required(enabled, 'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled');
    c.range(days, 'pointInTimeRecoverySpecification.recoveryPeriodInDays', 1, 35);
  }
  c.throwIfAny();
  const enable = enabled === true;
  if (!enable && days !== undefined) {
    throw validation('Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery.');
  }
  const t = backupTable(svc, rc, input.TableName as string);
  const pitr = pitrOf(svc);
  const current = t.state.Pitr;
  let next: PitrState;
  if (!enable) {
    // Disabling discards the history (retention keeps only current items from now on); the period is forgotten.
    next = { enabled: false, recoveryPeriodInDays: DEFAULT_RECOVERY_PERIOD_DAYS };
  } else if (!current.enabled) {
    // The enable instant is a fenced, whole-millisecond time: every write acknowledged before the call is
    // at or before it, every later write after it, so a restore to EarliestRestorableDateTime is exact.
    next = { enabled: true, enabledAt: pitr.fencedNow(), recoveryPeriodInDays: days ?? DEFAULT_RECOVERY_PERIOD_DAYS };
  } else {
    next = { ...current, recoveryPeriodInDays: days ?? DEFAULT_RECOVERY_PERIOD_DAYS };
    if (next.recoveryPeriodInDays > current.recoveryPeriodInDays) {
      // A longer period cannot bring back history the shorter one already let go.
      next.floorMicros = pitr.window(t.state)!.earliestMicros;
    }
  }
  const updated: LoadedTable = { ...t, state: { ...t.state, Pitr: next } };
  svc.saveState(updated);
  pitr.retention.kick();
  return { ContinuousBackupsDescription: continuousBackupsDescription(svc, updated.state) };
}
