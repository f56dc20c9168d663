import { AwsError, validation } from '../server/errors.js';
import type { RequestContext } from '../server/request-context.js';
import { ConstraintChecker } from './constraints.js';
import type { DynamoService, LoadedTable } from './service.js';

type Input = Record<string, unknown>;

const MAX_TAGS = 50;

/** Resolves a table ARN of the caller's account and region (tags are addressed by ARN). */
function tableByArn(svc: DynamoService, rc: RequestContext, arn: unknown): LoadedTable {
  const c = new ConstraintChecker();
  c.required(arn, 'resourceArn');
  c.throwIfAny();
  const m = /^arn:aws:dynamodb:([^:]+):(\d{12}):table\/([^/]+)$/.exec(String(arn));
  if (!m) throw validation(`Invalid TableArn: Invalid ResourceArn provided as input ${String(arn)}`);
  if (m[1] !== rc.region || m[2] !== rc.account) {
    throw new AwsError('AccessDeniedException', `User: arn:aws:iam::${rc.account}:root is not authorized to perform this action on resource ${String(arn)}`, 400);
  }
  const t = svc.findTable(rc, m[3]!);
  // A table still being filled by a restore is not a taggable resource yet (AWS serves only DescribeTable).
  if (!t || t.state.RestoreSummary?.RestoreInProgress) throw new AwsError('ResourceNotFoundException', `Requested resource not found: ResourcArn: ${String(arn)} not found`, 400);
  return t;
}

export function tagResource(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  c.required(input.Tags, 'tags');
  c.throwIfAny();
  const t = tableByArn(svc, rc, input.ResourceArn);
  const tags = input.Tags as Array<{ Key: string; Value: string }>;
  for (const tag of tags) {
    if (!tag.Key || tag.Key.length > 128) throw validation('One or more parameter values were invalid: The tag key must be between 1 and 128 characters');
    if (tag.Value === undefined || tag.Value.length > 256) throw validation('One or more parameter values were invalid: The tag value must be between 0 and 256 characters');
    if (tag.Key.startsWith('aws:')) throw validation('One or more parameter values were invalid: Tag keys cannot start with the aws: prefix');
  }
  const merged = new Map(t.state.Tags.map((x) => [x.Key, x.Value]));
  for (const tag of tags) merged.set(tag.Key, tag.Value);
  if (merged.size > MAX_TAGS) throw new AwsError('LimitExceededException', 'The number of tags exceeds the limit of 50', 400);
  t.state.Tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
  svc.saveState(t);
  return {};
}

export function untagResource(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  c.required(input.TagKeys, 'tagKeys');
  c.throwIfAny();
  const t = tableByArn(svc, rc, input.ResourceArn);
  const drop = new Set(input.TagKeys as string[]);
  t.state.Tags = t.state.Tags.filter((x) => !drop.has(x.Key));
  svc.saveState(t);
  return {};
}

export function listTagsOfResource(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const t = tableByArn(svc, rc, input.ResourceArn);
  const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
  const page = t.state.Tags.slice(start, start + 10);
  const out: Record<string, unknown> = { Tags: page };
  if (start + 10 < t.state.Tags.length) out.NextToken = String(start + 10);
  return out;
}

export function updateTimeToLive(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  c.tableName(input.TableName);
  c.required(input.TimeToLiveSpecification, 'timeToLiveSpecification');
  const spec = (input.TimeToLiveSpecification ?? {}) as { Enabled?: boolean; AttributeName?: string };
  if (input.TimeToLiveSpecification) {
    c.required(spec.AttributeName, 'timeToLiveSpecification.attributeName');
    c.required(spec.Enabled, 'timeToLiveSpecification.enabled');
  }
  c.throwIfAny();
  const t = svc.requireTable(rc, input.TableName as string);
  const current = t.state.TimeToLive;
  if (spec.Enabled) {
    if (current.TimeToLiveStatus === 'ENABLED') throw validation('TimeToLive is already enabled');
    t.state.TimeToLive = { TimeToLiveStatus: 'ENABLED', AttributeName: spec.AttributeName };
  } else {
    if (current.TimeToLiveStatus !== 'ENABLED') throw validation('TimeToLive is already disabled');
    if (current.AttributeName !== spec.AttributeName) {
      throw validation(`TimeToLive is active on a different AttributeName: current AttributeName is ${current.AttributeName}`);
    }
    t.state.TimeToLive = { TimeToLiveStatus: 'DISABLED' };
  }
  svc.saveState(t);
  return { TimeToLiveSpecification: { Enabled: spec.Enabled, AttributeName: spec.AttributeName } };
}

export function describeTimeToLive(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  c.tableName(input.TableName);
  c.throwIfAny();
  const t = svc.requireTable(rc, input.TableName as string, `Requested resource not found: Table: ${String(input.TableName)} not found`);
  const ttl = t.state.TimeToLive;
  const d: Record<string, unknown> = { TimeToLiveStatus: ttl.TimeToLiveStatus };
  if (ttl.AttributeName) d.AttributeName = ttl.AttributeName;
  return { TimeToLiveDescription: d };
}
