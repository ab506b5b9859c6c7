/** A value as JSON stores it, as the queue reads it back. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Levels of a task's own log lines. */
export type TaskLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The last progress a task reported (`currentTask()?.progress(...)`). */
export interface TaskProgress {
  /** From 0 to 1. */
  value: number;
  message?: string;
  data?: JsonValue;
  /** When the handler reported it (the worker's clock). */
  at: Date;
}

/** One stored line of a task's log, as `TaskQueue.logs()` answers it. */
export interface TaskLogLine {
  /** Increasing with time across the whole queue: page with `afterId`. */
  id: string;
  /** The attempt that logged it. */
  attempt: number;
  level: TaskLogLevel;
  message: string;
  data?: JsonValue;
  /** When the handler logged it (the worker's clock). */
  at: Date;
}

/** A page of `TaskQueue.logs()`. */
export interface TaskLogsQuery {
  /** Lines after this line id (the `id` of the last line of the previous page). */
  afterId?: string;
  /**
   * Lines at most.
   * @default 100
   */
  limit?: number;
}

/**
 * The task's own log: each line is stored with the task (in batches, never
 * one write per line; up to the module's `logs.maxLinesPerTask`, the last
 * stored line then saying so) and also goes to Nest's `Logger` at its level
 * (`info` as `log`), with the task's name and id as context.
 */
export interface TaskLogger {
  /** @throws InvalidTaskReportError past the size limits; TaskSerializationError for data that is not JSON. */
  debug(message: string, data?: unknown): void;
  info(message: string, data?: unknown): void;
  warn(message: string, data?: unknown): void;
  error(message: string, data?: unknown): void;
}

/**
 * The task's key/value context: JSON values stored with the task (written
 * at most about once a second, and when the attempt ends), visible in
 * `get()`, and there again for the next attempt.
 */
export interface TaskContextValues {
  get<T extends JsonValue = JsonValue>(key: string): T | undefined;
  /** @throws TaskSerializationError when the value is not JSON; InvalidTaskReportError past the size limit. */
  set(key: string, value: unknown): void;
  has(key: string): boolean;
  delete(key: string): boolean;
  /** A copy of every entry. */
  toJSON(): Record<string, JsonValue>;
}
