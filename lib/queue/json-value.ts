import { TaskSerializationError } from '../errors/task-serialization.error.js';
import { stringifyDeep } from './stringify-deep.js';

/**
 * Deepest nesting of arrays and objects a task value may have. PostgreSQL's
 * jsonb parser reads over 10,000 levels with its default `max_stack_depth`
 * (2 MB); V8's own `JSON.stringify` overflows its stack near 4,000, so deep
 * values are serialised without recursion (see stringifyDeep).
 */
export const MAX_JSON_DEPTH = 10_000;
/** Nesting up to which the native `JSON.stringify` serialises: far from its stack limit on any stack a caller leaves. */
const NATIVE_DEPTH = 1_000;
/** jsonb's limit on one string, in UTF-8 bytes (2^28 - 1). */
export const MAX_JSONB_STRING_BYTES = 268_435_455;

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
 *
 * @throws TaskSerializationError naming the path of the first value refused
 */
export function toJson(value: unknown, root: string): string {
  const depth = checkJsonSafe(value, root);
  try {
    return depth <= NATIVE_DEPTH ? JSON.stringify(value) : stringifyDeep(value);
  } catch (error) {
    // "Invalid string length": the text would exceed the longest string V8 can hold.
    if (error instanceof RangeError) fail(root, `too large to serialise (${error.message})`);
    throw error;
  }
}

/** PostgreSQL's jsonb refuses U+0000 and unpaired surrogates, which JSON text can carry. */
const JSONB_UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A container on the walk: where it sits (for error paths, built only on failure) and how deep. */
interface Visit {
  value: object;
  parent: Visit | null;
  step: string;
  depth: number;
  leaving: boolean;
}

/** Steps shown at each end of a deep path; the levels between are counted, not spelt out. */
const PATH_ENDS = 8;

function pathOf(visit: Visit | null, root: string, step = ''): string {
  const steps = [step];
  for (let at = visit; at; at = at.parent) steps.push(at.step);
  steps.reverse();
  const shown = steps.filter((part) => part !== '');
  if (shown.length <= PATH_ENDS * 2 + 1) return root + shown.join('');
  const hidden = shown.length - PATH_ENDS * 2;
  return `${root}${shown.slice(0, PATH_ENDS).join('')}…(${hidden} levels)…${shown.slice(-PATH_ENDS).join('')}`;
}

/**
 * Walks the value without recursion (a deep value must not overflow the
 * stack) and returns its nesting depth. Paths are built only for the value
 * refused.
 */
function checkJsonSafe(value: unknown, root: string): number {
  if (typeof value !== 'object' || value === null) {
    const reason = refusal(value);
    if (reason !== null) fail(root, reason);
    return 0;
  }
  const ancestors = new Set<object>();
  const todo: Visit[] = [{ value, parent: null, step: '', depth: 1, leaving: false }];
  let deepest = 1;
  while (todo.length > 0) {
    const visit = todo.pop()!;
    if (visit.leaving) {
      ancestors.delete(visit.value);
      continue;
    }
    if (visit.depth > MAX_JSON_DEPTH) fail(pathOf(visit, root), `nested deeper than ${MAX_JSON_DEPTH} levels`);
    deepest = Math.max(deepest, visit.depth);
    checkContainer(visit, ancestors, root);
    ancestors.add(visit.value);
    todo.push({ ...visit, leaving: true });
    // Children are taken last to first, so that the first bad value in order is the one reported.
    const child = (item: unknown, step: () => string): void => {
      if (typeof item === 'object' && item !== null) {
        todo.push({ value: item, parent: visit, step: step(), depth: visit.depth + 1, leaving: false });
        return;
      }
      const reason = refusal(item);
      if (reason !== null) fail(pathOf(visit, root, step()), reason);
    };
    if (Array.isArray(visit.value)) {
      const items = visit.value as unknown[];
      for (let i = items.length - 1; i >= 0; i--) child(items[i], () => `[${i}]`);
      continue;
    }
    const entries = Object.entries(visit.value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i]!;
      const keyRefusal = stringRefusal(key);
      if (keyRefusal !== null) fail(pathOf(visit, root, ` (key ${JSON.stringify(key)})`), keyRefusal);
      if (item !== undefined) child(item, () => `.${key}`);
    }
  }
  return deepest;
}

function checkContainer(visit: Visit, ancestors: Set<object>, root: string): void {
  const value = visit.value;
  const refuse = (reason: string) => fail(pathOf(visit, root), reason);
  if (ancestors.has(value)) refuse('circular reference');
  // Tag checks rather than instanceof, so values from another realm (vm contexts, iframes in tests) are judged alike.
  if (Object.prototype.toString.call(value) === '[object Date]') {
    refuse('Date would come back as a string; pass date.toISOString() instead');
  }
  if (Array.isArray(value)) return;
  // A plain object's prototype is (some realm's) Object.prototype, whose own prototype is null.
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== null && Object.getPrototypeOf(prototype) !== null) {
    const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
    refuse(`${kind} instances would come back as plain objects; pass a plain object`);
  }
  if (Object.getOwnPropertySymbols(value).length > 0) refuse('symbol keys cannot be stored');
}

/** Why a value that is not an object or array cannot be stored, or null when it can. */
function refusal(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
      return stringRefusal(value);
    case 'number':
      return Number.isFinite(value) ? null : `${value} is not representable in JSON`;
    case 'bigint':
      return 'BigInt is not representable in JSON; pass it as a string';
    case 'function':
      return 'functions cannot be stored';
    case 'symbol':
      return 'symbols cannot be stored';
    case 'undefined':
      return 'undefined inside an array comes back as null';
    default:
      return null;
  }
}

function stringRefusal(value: string): string | null {
  if (JSONB_UNSAFE.test(value)) return 'PostgreSQL jsonb cannot store NUL characters or unpaired UTF-16 surrogates';
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only long strings need counting.
  if (value.length * 3 > MAX_JSONB_STRING_BYTES) {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_JSONB_STRING_BYTES) return `a string of ${bytes} bytes is longer than jsonb stores (${MAX_JSONB_STRING_BYTES} bytes)`;
  }
  return null;
}

function fail(path: string, reason: string): never {
  throw new TaskSerializationError(path, reason);
}

/** Replaces what jsonb cannot store (NUL, unpaired surrogates) with U+FFFD, for text we record but do not own, such as error messages. */
export function toStorableText(value: string): string {
  return JSONB_UNSAFE.test(value) ? value.replace(new RegExp(JSONB_UNSAFE.source, 'g'), '\uFFFD') : value;
}

/**
 * Serialises a task's arguments. Trailing `undefined` (omitted optional
 * parameters) is trimmed. `root` names them in errors (`requests[2].args` in
 * a batch).
 */
export function argsToJson(args: readonly unknown[], root = 'args'): string {
  if (!Array.isArray(args)) throw new TaskSerializationError(root, 'arguments must be an array');
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  return toJson(args.slice(0, end), root);
}

/** Serialises a handler's result; `undefined` is stored as null. */
export function resultToJson(result: unknown): string | null {
  return result === undefined ? null : toJson(result, 'result');
}
