import { describeValue } from '../config/require-integer.js';
import { InvalidTaskReportError } from '../errors/invalid-task-report.error.js';
import { toJson, toStorableText } from '../queue/json-value.js';

/**
 * Bounds of what a running task may report. They keep one chatty handler
 * from turning the tasks table into a blob store (the row is rewritten at
 * each write of its progress or context) and keep a batch of writes small.
 */
export const REPORT_LIMITS = {
  /** JSON data of one log line or one progress report, in UTF-8 bytes. */
  dataBytes: 16_384,
  /** The whole key/value context as JSON, in UTF-8 bytes. */
  contextBytes: 65_536,
  /** A context key, in characters. */
  contextKeyChars: 200,
  /** A log line's message, in characters: longer ones are cut, with a note. */
  messageChars: 8_000,
  /** A progress message, in characters. */
  progressMessageChars: 1_000,
} as const;

/** JSON text of `data` (null when undefined), refused past the size limit. @throws TaskSerializationError, InvalidTaskReportError */
export function reportDataJson(data: unknown, what: string): string | null {
  if (data === undefined) return null;
  const json = toJson(data, what);
  const bytes = Buffer.byteLength(json);
  if (bytes > REPORT_LIMITS.dataBytes) throw new InvalidTaskReportError(what, `is ${bytes} bytes of JSON; the limit is ${REPORT_LIMITS.dataBytes}`);
  return json;
}

/** A log message as stored: a string, storable in jsonb's text, cut at the limit. @throws InvalidTaskReportError when not a string */
export function logMessage(message: unknown): string {
  if (typeof message !== 'string') throw new InvalidTaskReportError('log message', `must be a string, got ${typeof message}`);
  const text = toStorableText(message);
  if (text.length <= REPORT_LIMITS.messageChars) return text;
  return `${text.slice(0, REPORT_LIMITS.messageChars)}… (cut from ${text.length} characters)`;
}

/** A progress report, checked; serialised only if it is the one written (most are overwritten by the next one first). */
export interface ReportedProgress {
  value: number;
  message: string | undefined;
  /** JSON text, or null. */
  data: string | null;
  /** Epoch ms, the worker's clock. */
  at: number;
}

/** @throws InvalidTaskReportError, TaskSerializationError */
export function checkProgress(value: unknown, message: unknown, data: unknown, atMs: number): ReportedProgress {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidTaskReportError('progress value', `must be a finite number from 0 to 1, got ${shown(value)}`);
  }
  if (message !== undefined) {
    if (typeof message !== 'string') throw new InvalidTaskReportError('progress message', `must be a string, got ${typeof message}`);
    if (message.length > REPORT_LIMITS.progressMessageChars) {
      throw new InvalidTaskReportError('progress message', `is ${message.length} characters; the limit is ${REPORT_LIMITS.progressMessageChars}`);
    }
  }
  return { value, message: message === undefined ? undefined : toStorableText(message), data: reportDataJson(data, 'progress data'), at: atMs };
}

/** Progress as stored: `{ value, message?, data?, at }` JSON text. */
export function progressText(progress: ReportedProgress): string {
  let text = `{"value":${progress.value},"at":${progress.at}`;
  if (progress.message !== undefined) text += `,"message":${JSON.stringify(progress.message)}`;
  if (progress.data !== null) text += `,"data":${progress.data}`;
  return `${text}}`;
}

/** A log line as the statements take it: `[level, message, data, atMs]` JSON text. */
export function lineText(level: 'debug' | 'info' | 'warn' | 'error', message: string, data: string | null, atMs: number): string {
  // `level` is one of four plain words: no escaping needed.
  return `["${level}",${JSON.stringify(message)},${data ?? 'null'},${atMs}]`;
}

/** @throws InvalidTaskReportError for a key that is not a short non-empty string */
export function checkContextKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > REPORT_LIMITS.contextKeyChars) {
    throw new InvalidTaskReportError('context key', `must be a string of 1 to ${REPORT_LIMITS.contextKeyChars} characters, got ${shown(key)}`);
  }
  return toStorableText(key);
}

/** As errors show values elsewhere, long strings cut (a context key may be anything a handler computed). */
function shown(value: unknown): string {
  return describeValue(typeof value === 'string' && value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
