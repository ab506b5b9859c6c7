import { currentTask } from '../context/task-context.js';
import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import { toJson } from './json-value.js';

/** Metadata of one task as JSON, in UTF-8 bytes, at most: it is copied into every task added from inside it. */
export const MAX_METADATA_BYTES = 16_384;

/** What a new task inherits: metadata (JSON text) and lineage; all null for a task added outside any task without metadata. */
export interface TaskLineage {
  metadata: string | null;
  parentTaskId: string | null;
  rootTaskId: string | null;
}

const NONE: TaskLineage = Object.freeze({ metadata: null, parentTaskId: null, rootTaskId: null });

/**
 * The lineage of a task being added now: when a handler adds it (the
 * context of `currentTask()`, in any process), that task is its parent, the
 * parent's root (or the parent itself) its root, and the parent's metadata
 * is merged under its own. Most adds come from outside any task with no
 * metadata, and cost one AsyncLocalStorage read.
 *
 * @throws InvalidTaskOptionsError for metadata that is not a plain JSON object or is too large
 */
export function lineageOf(metadata: unknown, where: string): TaskLineage {
  const parent = currentTask();
  if (metadata !== undefined && (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))) {
    throw new InvalidTaskOptionsError('metadata', 'must be a plain object of JSON values', where);
  }
  if (!parent && metadata === undefined) return NONE;
  const inherited = parent?.metadata ?? {};
  const merged = metadata === undefined ? inherited : { ...inherited, ...(metadata as Record<string, unknown>) };
  let json: string | null = null;
  if (Object.keys(merged).length > 0) {
    json = toJson(merged, where ? `${where}.metadata` : 'metadata');
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_METADATA_BYTES) throw new InvalidTaskOptionsError('metadata', `is ${bytes} bytes of JSON; the limit is ${MAX_METADATA_BYTES}`, where);
  }
  return {
    metadata: json,
    parentTaskId: parent?.id ?? null,
    rootTaskId: parent ? (parent.rootTaskId ?? parent.id) : null,
  };
}
