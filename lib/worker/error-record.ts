import type { TaskAttemptError } from '../interfaces/task-info.interface.js';
import { toStorableText } from '../queue/json-value.js';

const MAX_STACK_CHARS = 8_000;
const MAX_MESSAGE_CHARS = 2_000;

/**
 * What is kept of a thrown value in the task's error history. Anything can be
 * thrown, including values that refuse to be turned into text (a
 * null-prototype object, a throwing getter, a Proxy, a BigInt inside): every
 * read is guarded, and what cannot be read is described instead. Never throws.
 */
export function toAttemptError(error: unknown, attempt: number): TaskAttemptError {
  const at = new Date().toISOString();
  if (isErrorLike(error)) {
    const name = safeRead(() => (error as Error).name);
    const message = safeRead(() => (error as Error).message);
    const stack = safeRead(() => (error as Error).stack);
    return {
      attempt,
      name: toStorableText(typeof name === 'string' && name ? name.slice(0, 200) : 'Error'),
      message: toStorableText(typeof message === 'string' ? message.slice(0, MAX_MESSAGE_CHARS) : 'an Error whose message cannot be read'),
      ...(typeof stack === 'string' ? { stack: toStorableText(stack.slice(0, MAX_STACK_CHARS)) } : {}),
      at,
    };
  }
  return { attempt, name: 'NonErrorThrown', message: toStorableText(describe(error).slice(0, MAX_MESSAGE_CHARS)), at };
}

/** Text for any value: JSON where it can be, `String()` where that works, a description of its kind otherwise. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  const json = safeRead(() => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
  if (typeof json === 'string') return json;
  const text = safeRead(() => String(value));
  if (typeof text === 'string') return text;
  const tag = safeRead(() => Object.prototype.toString.call(value));
  const keys = safeRead(() => Object.keys(value as object).slice(0, 20).join(', '));
  return `${typeof tag === 'string' ? tag : `[${typeof value}]`} that cannot be converted to text${typeof keys === 'string' && keys ? ` (keys: ${keys})` : ''}`;
}

function safeRead<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Errors from another realm (vm contexts, worker threads) fail `instanceof Error`; their shape does not. */
function isErrorLike(value: unknown): value is Error {
  return (
    safeRead(
      () =>
        typeof value === 'object' &&
        value !== null &&
        (value instanceof Error || Object.prototype.toString.call(value) === '[object Error]'),
    ) === true
  );
}
