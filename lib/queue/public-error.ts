import { QueueDatabaseError } from '../errors/queue-database.error.js';
import { QueuedTasksError } from '../errors/queued-tasks.error.js';
import { TaskSerializationError } from '../errors/task-serialization.error.js';

/**
 * SQLSTATEs by which jsonb refuses a value our checks let through: a value
 * larger than jsonb stores (54000, e.g. "total size of jsonb array elements
 * exceeds the maximum"), nested deeper than the server's `max_stack_depth`
 * (54001), or otherwise malformed for it (22xxx).
 */
const VALUE_REFUSAL = /^(22|54)/;

/**
 * The error a caller of `TaskQueue` or `TaskRef` sees: ours as they are, and a
 * driver error turned into one of ours. `values` names the task values the
 * statement carried (`args`, `requests`), so that the database refusing them
 * reads as a refused value, not as a database failure.
 */
export function toPublicError(error: unknown, values?: string): unknown {
  if (error instanceof QueuedTasksError || typeof error !== 'object' || error === null) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as { message?: unknown }).message;
  if (typeof code !== 'string' || typeof message !== 'string') return error;
  if (values !== undefined && VALUE_REFUSAL.test(code)) {
    return new TaskSerializationError(values, `PostgreSQL refused it: ${message}`, { cause: error });
  }
  return new QueueDatabaseError(message, code, { cause: error });
}

/** Runs `operation`, throwing what {@link toPublicError} makes of its error. */
export async function withPublicErrors<T>(operation: () => Promise<T>, values?: string): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toPublicError(error, values);
  }
}
