import type { TaskAttemptError } from '../interfaces/task-info.interface.js';

const MAX_STACK_CHARS = 8_000;
const MAX_MESSAGE_CHARS = 2_000;

/** What is kept of a thrown value in the task's error history. Anything can be thrown; everything is recorded. */
export function toAttemptError(error: unknown, attempt: number): TaskAttemptError {
  const at = new Date().toISOString();
  if (error instanceof Error) {
    return {
      attempt,
      name: error.name,
      message: error.message.slice(0, MAX_MESSAGE_CHARS),
      ...(error.stack ? { stack: error.stack.slice(0, MAX_STACK_CHARS) } : {}),
      at,
    };
  }
  let message: string;
  try {
    message = typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
  } catch {
    message = String(error);
  }
  return { attempt, name: 'NonErrorThrown', message: message.slice(0, MAX_MESSAGE_CHARS), at };
}
