/**
 * DynamoDB's expression language: condition, filter, key-condition, update and projection expressions,
 * parsed and validated with AWS's exact messages, and evaluated/applied over wire-format values.
 */
export { newContext, assertAllUsed, checkAttributeMaps } from './context.js';
export type { ExpressionContext, ExpressionParam, ContextOptions } from './context.js';
export { parseCondition } from './condition.js';
export type { Condition, Operand, Comparator, ConditionFunction } from './condition.js';
export { evaluateCondition } from './evaluate.js';
export { parseKeyCondition, keyConditionMatches } from './key-condition.js';
export type { KeyCondition, KeyOperator } from './key-condition.js';
export { parseUpdate } from './update-parser.js';
export type { UpdatePlan, UpdateAction, SetValue, UpdateOperand } from './update-parser.js';
export { applyUpdate, checkUpdateKeys, updatedPaths, projectUpdated } from './update.js';
export { parseProjection, applyProjection } from './projection.js';
export { getAtPath, pathToString } from './paths.js';
export type { Path, PathElement } from './paths.js';
export { isReservedWord } from './reserved-words.js';
