import { validation } from '../server/errors.js';
import { ConstraintChecker } from './constraints.js';

interface KeyEl { AttributeName?: string; KeyType?: string }
interface IndexIn { IndexName?: string; KeySchema?: KeyEl[]; Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] }; ProvisionedThroughput?: unknown }

/** CreateTable's request checks, in DynamoDB's order and with its messages. */
export function validateCreateTable(input: Record<string, unknown>): void {
  const c = new ConstraintChecker();
  c.required(input.AttributeDefinitions, 'attributeDefinitions');
  c.tableName(input.TableName);
  c.required(input.KeySchema, 'keySchema');
  const keySchema = (input.KeySchema ?? []) as KeyEl[];
  if (Array.isArray(input.KeySchema) && (keySchema.length < 1 || keySchema.length > 2)) {
    c.fail(input.KeySchema, 'keySchema', `Member must have length ${keySchema.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 2'}`);
  }
  keySchema.forEach((k, i) => {
    c.oneOf(k.KeyType, `keySchema.${i + 1}.member.keyType`, ['HASH', 'RANGE']);
    c.required(k.KeyType, `keySchema.${i + 1}.member.keyType`);
    c.required(k.AttributeName, `keySchema.${i + 1}.member.attributeName`);
  });
  const defs = (input.AttributeDefinitions ?? []) as Array<{ AttributeName?: string; AttributeType?: string }>;
  defs.forEach((d, i) => {
    c.oneOf(d.AttributeType, `attributeDefinitions.${i + 1}.member.attributeType`, ['B', 'N', 'S']);
    c.required(d.AttributeType, `attributeDefinitions.${i + 1}.member.attributeType`);
    c.required(d.AttributeName, `attributeDefinitions.${i + 1}.member.attributeName`);
  });
  c.oneOf(input.BillingMode, 'billingMode', ['PROVISIONED', 'PAY_PER_REQUEST']);
  const pt = input.ProvisionedThroughput as { ReadCapacityUnits?: number; WriteCapacityUnits?: number } | undefined;
  if (pt) {
    c.range(pt.ReadCapacityUnits, 'provisionedThroughput.readCapacityUnits', 1);
    c.range(pt.WriteCapacityUnits, 'provisionedThroughput.writeCapacityUnits', 1);
  }
  c.throwIfAny();

  if (input.BillingMode === 'PAY_PER_REQUEST') {
    if (pt) throw invalid('Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST');
  } else {
    if (!pt || !pt.ReadCapacityUnits || !pt.WriteCapacityUnits) {
      throw invalid('ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED');
    }
    for (const k of ['ReadCapacityUnits', 'WriteCapacityUnits'] as const) {
      if (pt[k]! > 1e12) throw validation(`Given value ${pt[k]} for ${k} is out of bounds`);
    }
  }
  const defNames = defs.map((d) => d.AttributeName!);
  if (new Set(defNames).size !== defNames.length) throw validation('Cannot have two attributes with the same name');
  const keys = keySchema.map((k) => k.AttributeName!);
  if (keys.length > defNames.length) throw validation('Invalid KeySchema: Some index key attribute have no definition');
  checkKeysDefined(keys, defNames);
  checkKeyShape(keySchema);
  const lsis = input.LocalSecondaryIndexes as IndexIn[] | undefined;
  const gsis = input.GlobalSecondaryIndexes as IndexIn[] | undefined;
  const used = new Set(keys);
  for (const i of [...(lsis ?? []), ...(gsis ?? [])]) for (const k of i.KeySchema ?? []) used.add(k.AttributeName!);
  if (defNames.some((d) => !used.has(d))) {
    throw invalid('Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions');
  }
  const names = new Set<string>();
  if (lsis) {
    if (lsis.length === 0) throw invalid('List of LocalSecondaryIndexes is empty');
    if (keySchema.length !== 2) throw invalid('Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex');
    for (const idx of lsis) {
      validateIndex(idx, defNames, names, input.BillingMode === 'PAY_PER_REQUEST', false);
      const ks = idx.KeySchema ?? [];
      if (ks.length !== 2) throw invalid(`Index KeySchema does not have a range key for index: ${idx.IndexName}`);
      if (ks[0]!.AttributeName !== keys[0]) {
        throw invalid(`Index KeySchema does not have the same leading hash key as table KeySchema for index: ${idx.IndexName}. index hash key: ${ks[0]!.AttributeName}, table hash key: ${keys[0]}`);
      }
    }
    if (lsis.length > 5) throw invalid('Number of LocalSecondaryIndexes exceeds per-table limit of 5');
  }
  if (gsis) {
    if (gsis.length === 0) throw invalid('List of GlobalSecondaryIndexes is empty');
    for (const idx of gsis) validateIndex(idx, defNames, names, input.BillingMode === 'PAY_PER_REQUEST', true);
    if (gsis.length > 20) throw invalid('GlobalSecondaryIndex count exceeds the per-table limit of 20');
  }
}

export function validateIndex(idx: IndexIn, defNames: string[], names: Set<string>, onDemand: boolean, global: boolean): void {
  const ks = idx.KeySchema ?? [];
  checkKeysDefined(ks.map((k) => k.AttributeName!), defNames);
  checkKeyShape(ks);
  const type = idx.Projection?.ProjectionType;
  if (type == null) throw invalid('Unknown ProjectionType: null');
  if (idx.Projection?.NonKeyAttributes && type !== 'INCLUDE') throw invalid(`ProjectionType is ${type}, but NonKeyAttributes is specified`);
  if (global && onDemand && idx.ProvisionedThroughput) {
    throw invalid(`ProvisionedThroughput should not be specified for index: ${idx.IndexName} when BillingMode is PAY_PER_REQUEST`);
  }
  if (global && !onDemand && !idx.ProvisionedThroughput) {
    throw invalid(`ProvisionedThroughput must be specified for index: ${idx.IndexName}`);
  }
  if (names.has(idx.IndexName!)) throw invalid(`Duplicate index name: ${idx.IndexName}`);
  names.add(idx.IndexName!);
}

function checkKeysDefined(keys: string[], defNames: string[]): void {
  if (keys.some((k) => !defNames.includes(k))) {
    throw invalid(`Some index key attributes are not defined in AttributeDefinitions. Keys: [${keys.join(', ')}], AttributeDefinitions: [${defNames.join(', ')}]`);
  }
}

function checkKeyShape(ks: KeyEl[]): void {
  if (ks[1] && ks[0]!.AttributeName === ks[1].AttributeName) throw validation('Both the Hash Key and the Range Key element in the KeySchema have the same name');
  if (ks[0]?.KeyType !== 'HASH') throw validation('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
  if (ks[1] && ks[1].KeyType !== 'RANGE') throw validation('Invalid KeySchema: The second KeySchemaElement is not a RANGE key type');
}

function invalid(detail: string) {
  return validation(`One or more parameter values were invalid: ${detail}`);
}
