import { validation } from '../server/errors.js';

/**
 * AWS's generic request-shape validation: every broken constraint is listed in one message,
 * "N validation error(s) detected: Value 'x' at 'field' failed to satisfy constraint: ...; ...".
 */
export class ConstraintChecker {
  private readonly errors: string[] = [];

  fail(value: unknown, field: string, constraint: string): void {
    this.errors.push(`Value ${render(value)} at '${field}' failed to satisfy constraint: ${constraint}`);
  }

  required(value: unknown, field: string): void {
    if (value === undefined || value === null) this.fail(null, field, 'Member must not be null');
  }

  tableName(value: unknown, field = 'tableName'): void {
    if (value === undefined || value === null) return this.required(value, field);
    const s = String(value);
    if (s.length < 3) this.fail(s, field, 'Member must have length greater than or equal to 3');
    if (s.length > 255) this.fail(s, field, 'Member must have length less than or equal to 255');
    if (!/^[a-zA-Z0-9_.-]+$/.test(s)) this.fail(s, field, 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+');
  }

  /** A table name or an ARN, as the item operations accept since 2024. */
  tableNameOrArn(value: unknown, field = 'tableName'): void {
    if (typeof value === 'string' && value.startsWith('arn:')) return;
    this.tableName(value, field);
  }

  oneOf(value: unknown, field: string, allowed: string[]): void {
    if (value === undefined || value === null) return;
    if (!allowed.includes(String(value))) this.fail(value, field, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }

  range(value: unknown, field: string, min: number, max?: number): void {
    if (value === undefined || value === null) return;
    const n = Number(value);
    if (n < min) this.fail(value, field, `Member must have value greater than or equal to ${min}`);
    if (max !== undefined && n > max) this.fail(value, field, `Member must have value less than or equal to ${max}`);
  }

  throwIfAny(): void {
    if (this.errors.length === 0) return;
    const n = this.errors.length;
    throw validation(`${n} validation error${n > 1 ? 's' : ''} detected: ${this.errors.join('; ')}`);
  }
}

function render(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `'${value}'`;
  return `'${JSON.stringify(value)}'`;
}
