import { InvalidModuleOptionsError } from '../errors/invalid-module-options.error.js';
import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';

/** Largest value of a PostgreSQL `integer`, and the longest delay Node's timers take (larger ones fire at once). */
export const MAX_INT = 2_147_483_647;

/** Rejects a module option that is not an integer in `[min, max]`. */
export function requireInteger(name: string, value: unknown, min: number, max = MAX_INT): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidModuleOptionsError(`${name} must be an integer between ${min} and ${max} (got ${describeValue(value)})`);
  }
}

/** Rejects a task option (`option`, given in `where`) that is not an integer in `[min, MAX_INT]`. */
export function requireIntegerOption(option: string, value: unknown, min: number, where: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_INT) {
    throw new InvalidTaskOptionsError(option, `must be an integer between ${min} and ${MAX_INT} (got ${describeValue(value)})`, where);
  }
}

/** A value as an error message shows it: strings quoted, so `"10"` and `10` read differently. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
