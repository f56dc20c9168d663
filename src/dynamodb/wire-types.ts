import { AwsError } from '../server/errors.js';

/**
 * Type checks of scalar request members as AWS's JSON deserializer makes them, before any validation:
 * a value of the wrong JSON type is a SerializationException and the request changes nothing. Messages
 * are the ones AWS returns (recorded against the live service by dynalite's tests).
 */
function serialization(message: string): AwsError {
  return new AwsError('SerializationException', message, 400);
}

/** The Java class AWS's deserializer names for a JSON number. */
function classOfNumber(n: number): string {
  if (n % 1 !== 0) return 'java.lang.Double';
  if (n >= -32768 && n <= 32767) return 'java.lang.Short';
  if (n >= -2147483648 && n <= 2147483647) return 'java.lang.Integer';
  return 'java.lang.Long';
}

function notScalar(value: unknown): AwsError | undefined {
  if (Array.isArray(value)) return serialization('Start of list found where not expected');
  if (typeof value === 'object' && value !== null) return serialization('Start of structure or map found where not expected.');
  return undefined;
}

/** A Boolean member: true, false or absent (null counts as absent). */
export function booleanMember(value: unknown): boolean | undefined {
  if (value === undefined || value === null || typeof value === 'boolean') return value ?? undefined;
  if (typeof value === 'number') throw serialization(`class ${classOfNumber(value)} can not be converted to an Boolean`);
  if (typeof value === 'string') throw serialization(`'${value.toUpperCase()}' can not be converted to an Boolean`);
  throw notScalar(value)!;
}

/** An Integer member: a JSON number (AWS truncates a fraction towards minus infinity) or absent. */
export function integerMember(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return Math.floor(value);
  if (typeof value === 'boolean') throw serialization('class java.lang.Boolean can not be converted to an Integer');
  if (typeof value === 'string') throw serialization('class java.lang.String can not be converted to an Integer');
  throw notScalar(value)!;
}
