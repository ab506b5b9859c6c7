import { InvalidTaskReportError } from '../errors/invalid-task-report.error.js';
import type { JsonValue, TaskContextValues } from '../interfaces/task-report.interface.js';
import { toJson } from '../queue/json-value.js';
import { checkContextKey, REPORT_LIMITS } from './report-values.js';

/**
 * A task's key/value context: each value is checked and kept as its JSON
 * text (so the caller's later mutations of an object do not change what is
 * stored, and the size is known without serialising everything again), and
 * the whole map is handed to the writer after each change, coalesced there.
 */
export class StoredContext implements TaskContextValues {
  private readonly texts = new Map<string, string>();
  private readonly values = new Map<string, JsonValue>();
  /** Bytes of the map as JSON, `{}` included. */
  private bytes = 2;

  constructor(
    stored: Record<string, unknown> | null | undefined,
    private readonly changed: (json: string) => void,
  ) {
    for (const [key, value] of Object.entries(stored ?? {})) {
      const text = JSON.stringify(value);
      this.texts.set(key, text);
      this.values.set(key, value as JsonValue);
      this.bytes += entryBytes(key, text);
    }
  }

  get<T extends JsonValue = JsonValue>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  set(key: string, value: unknown): void {
    const name = checkContextKey(key);
    if (value === undefined) {
      this.delete(name);
      return;
    }
    const text = toJson(value, `context "${name}"`);
    const old = this.texts.get(name);
    const bytes = this.bytes - (old === undefined ? 0 : entryBytes(name, old)) + entryBytes(name, text);
    if (bytes > REPORT_LIMITS.contextBytes) {
      throw new InvalidTaskReportError(`context "${name}"`, `would make the context ${bytes} bytes of JSON; the limit is ${REPORT_LIMITS.contextBytes}`);
    }
    this.texts.set(name, text);
    this.values.set(name, JSON.parse(text) as JsonValue);
    this.bytes = bytes;
    this.changed(this.json());
  }

  delete(key: string): boolean {
    const old = this.texts.get(key);
    if (old === undefined) return false;
    this.texts.delete(key);
    this.values.delete(key);
    this.bytes -= entryBytes(key, old);
    this.changed(this.json());
    return true;
  }

  toJSON(): Record<string, JsonValue> {
    return JSON.parse(this.json()) as Record<string, JsonValue>;
  }

  private json(): string {
    const parts: string[] = [];
    for (const [key, text] of this.texts) parts.push(`${JSON.stringify(key)}:${text}`);
    return `{${parts.join(',')}}`;
  }
}

/** `"key":value,` in UTF-8 bytes: close enough to bound the whole map. */
function entryBytes(key: string, text: string): number {
  return Buffer.byteLength(JSON.stringify(key)) + Buffer.byteLength(text) + 2;
}
