import { TaskSerializationError } from '../errors/task-serialization.error.js';

/**
 * Serialises a task's arguments or result to JSON text, refusing anything
 * that would not come back unchanged, so a handler never receives something
 * other than what was enqueued.
 *
 * Dates are refused rather than silently turned into strings: pass
 * `date.toISOString()` (or epoch ms) and rebuild the Date in the handler.
 * `undefined` object properties are dropped (as JSON does, which reads back
 * the same); `undefined` inside an array would come back as `null`, so it is
 * refused.
 */
export function toJson(value: unknown, root: string): string {
  assertJsonSafe(value, root, new Set());
  return JSON.stringify(value);
}

/** PostgreSQL's jsonb refuses U+0000 and unpaired surrogates, which JSON text can carry. */
const JSONB_UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function assertStorableString(value: string, path: string): void {
  if (JSONB_UNSAFE.test(value)) fail(path, 'PostgreSQL jsonb cannot store NUL characters or unpaired UTF-16 surrogates');
}

function assertJsonSafe(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      assertStorableString(value, path);
      return;
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(path, `${value} is not representable in JSON`);
      return;
    case 'bigint':
      fail(path, 'BigInt is not representable in JSON; pass it as a string');
      break;
    case 'function':
      fail(path, 'functions cannot be stored');
      break;
    case 'symbol':
      fail(path, 'symbols cannot be stored');
      break;
    case 'undefined':
      fail(path, 'undefined inside an array comes back as null');
      break;
    case 'object':
      if (value === null) return;
      assertJsonSafeObject(value, path, ancestors);
  }
}

function assertJsonSafeObject(value: object, path: string, ancestors: Set<object>): void {
  if (ancestors.has(value)) fail(path, 'circular reference');
  // Tag checks rather than instanceof, so values from another realm (vm contexts, iframes in tests) are judged alike.
  if (Object.prototype.toString.call(value) === '[object Date]') {
    fail(path, 'Date would come back as a string; pass date.toISOString() instead');
  }
  ancestors.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertJsonSafe(item, `${path}[${index}]`, ancestors));
  } else {
    // A plain object's prototype is (some realm's) Object.prototype, whose own prototype is null.
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== null && Object.getPrototypeOf(prototype) !== null) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      fail(path, `${kind} instances would come back as plain objects; pass a plain object`);
    }
    if (Object.getOwnPropertySymbols(value).length > 0) fail(path, 'symbol keys cannot be stored');
    for (const [key, item] of Object.entries(value)) {
      assertStorableString(key, `${path} (key ${JSON.stringify(key)})`);
      if (item !== undefined) assertJsonSafe(item, `${path}.${key}`, ancestors);
    }
  }
  ancestors.delete(value);
}

function fail(path: string, reason: string): never {
  throw new TaskSerializationError(path, reason);
}

/** Replaces what jsonb cannot store (NUL, unpaired surrogates) with U+FFFD, for text we record but do not own, such as error messages. */
export function toStorableText(value: string): string {
  return JSONB_UNSAFE.test(value) ? value.replace(new RegExp(JSONB_UNSAFE.source, 'g'), '\uFFFD') : value;
}

/** Serialises a task's arguments. Trailing `undefined` (omitted optional parameters) is trimmed. */
export function argsToJson(args: readonly unknown[]): string {
  if (!Array.isArray(args)) throw new TaskSerializationError('args', 'arguments must be an array');
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  return toJson(args.slice(0, end), 'args');
}

/** Serialises a handler's result; `undefined` is stored as null. */
export function resultToJson(result: unknown): string | null {
  return result === undefined ? null : toJson(result, 'result');
}
