import type { TaskAttemptError } from '../interfaces/task-info.interface.js';
import { toStorableText } from '../queue/json-value.js';

const MAX_STACK_CHARS = 8_000;
const MAX_MESSAGE_CHARS = 2_000;

/** What is kept of a thrown value in the task's error history. Anything can be thrown; everything is recorded. */
export function toAttemptError(error: unknown, attempt: number): TaskAttemptError {
  const at = new Date().toISOString();
  if (isErrorLike(error)) {
    return {
      attempt,
      name: toStorableText(typeof error.name === 'string' ? error.name : 'Error'),
      message: toStorableText(error.message.slice(0, MAX_MESSAGE_CHARS)),
      ...(typeof error.stack === 'string' ? { stack: toStorableText(error.stack.slice(0, MAX_STACK_CHARS)) } : {}),
      at,
    };
  }
  let message: string;
  try {
    message = typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
  } catch {
    message = String(error);
  }
  return { attempt, name: 'NonErrorThrown', message: toStorableText(message.slice(0, MAX_MESSAGE_CHARS)), at };
}

/** Errors from another realm (vm contexts, worker threads) fail `instanceof Error`; their shape does not. */
function isErrorLike(value: unknown): value is Error {
  return typeof value === 'object' && value !== null && typeof (value as Error).message === 'string' &&
    (value instanceof Error || Object.prototype.toString.call(value) === '[object Error]');
}
