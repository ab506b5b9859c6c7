import { InvalidModuleOptionsError } from '../errors/invalid-module-options.error.js';

/** Rejects a module option that is not an integer of at least `min`. */
export function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidModuleOptionsError(`${name} must be an integer ≥ ${min} (got ${value})`);
  }
}
