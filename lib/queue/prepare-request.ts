import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import type { TaskDefinition } from '../discovery/task-definition.js';
import type { TaskRegistry } from '../discovery/task-registry.js';
import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import { TaskSerializationError } from '../errors/task-serialization.error.js';
import type { BackoffOptions } from '../interfaces/backoff.interface.js';
import type { AddTaskOptions, OnParentFailure } from '../interfaces/task-options.interface.js';
import type { TaskArgsOf, TaskName } from '../interfaces/task-registry.interface.js';
import type { NewTaskRow } from '../persistence/sql/insert-tasks.sql.js';
import { DEFAULT_BACKOFF } from '../queued-tasks.constants.js';
import { argsToJson } from './json-value.js';
import { resolveParents } from './resolve-parents.js';
import { resolveTaskOptions } from './resolve-task-options.js';
import { lineageOf } from './task-lineage.js';
import type { ParentRef } from './task-graph.js';

type Class<T> = abstract new (...args: never[]) => T;

/**
 * One task of an {@link TaskQueue.addMany} batch, by registered name or by
 * class and method. A `{ name, args }` request follows the rules of
 * `add(name, args)`: once `QueuedTasksRegistry` declares names, only those
 * compile, each with its own arguments. A `{ target, method, args }` request
 * is checked at run time only.
 */
export type TaskRequest = NamedTaskRequest | MethodTaskRequest;

/** By class and method: its method name and arguments are checked at run time only. */
type MethodTaskRequest = { target: Class<unknown>; method: string; args: readonly unknown[]; options?: AddTaskOptions };

/**
 * One member per declared name (a union discriminated by `name`), so each
 * request's `args` is checked against its own name; a single `string` member
 * while none is declared.
 */
type NamedTaskRequest = { [N in TaskName]: { name: N; args: TaskArgsOf<N>; options?: AddTaskOptions } }[TaskName];

/** A request as the run-time checks see it: whatever the caller's types were (or were not). */
export type UncheckedRequest = { name: string; args: readonly unknown[]; options?: AddTaskOptions } | MethodTaskRequest;

/** A request checked and turned into what is written. */
export interface PreparedTask {
  definition: TaskDefinition;
  row: NewTaskRow;
  /** Its parents (`dependsOn`), each once; empty when it has none. */
  parents: ParentRef[];
  onParentFailure: OnParentFailure;
}

/**
 * Checks a request and builds its row: the handler is registered, the
 * options valid, the arguments JSON. `where` names a request of a batch in
 * errors (`requests[2]`), empty for a single `add`; `flow` is the flow being
 * built, whose nodes `dependsOn` may name.
 */
export function prepareRequest(
  registry: TaskRegistry,
  config: ResolvedQueuedTasksConfig,
  request: UncheckedRequest,
  where = '',
  flow: object | null = null,
): PreparedTask {
  if (request === null || typeof request !== 'object') throw new TaskSerializationError(where || 'request', 'must be an object');
  const definition = 'name' in request ? registry.getByName(request.name) : registry.getByMethod(request.target, request.method);
  const optionsWhere = where && `${where}.options`;
  if (where && request.options?.manager !== undefined) {
    throw new InvalidTaskOptionsError('manager', 'is an option of the whole call: pass it as addMany(requests, { manager }) or flow(build, { manager })', optionsWhere);
  }
  const options = resolveTaskOptions(request.options ?? {}, definition.options, config.defaults, optionsWhere);
  const parents = resolveParents(request.options, optionsWhere, flow);
  const lineage = lineageOf(request.options?.metadata, optionsWhere);
  if (parents.length > 0 && options.key !== null) {
    throw new InvalidTaskOptionsError('dependsOn', 'cannot be combined with a unique, debounce or throttle key (not supported yet)', optionsWhere);
  }
  return {
    definition,
    row: {
      name: definition.name,
      queue: options.queue,
      args: argsToJson(request.args, where ? `${where}.args` : 'args'),
      priority: options.priority,
      runAt: options.runAt,
      delayMs: options.delayMs,
      maxAttempts: options.maxAttempts,
      backoff: storedBackoff(options.backoff),
      timeoutMs: options.timeoutMs,
      key: options.key,
      concurrencyKey: options.concurrencyKey,
      keyLimit: options.keyLimit,
      ...lineage,
    },
    parents,
    onParentFailure: request.options?.onParentFailure ?? 'fail',
  };
}

/**
 * The backoff as stored: NULL when it is the library's default (read back as
 * that default), which keeps most rows narrower, and single enqueue is bound
 * by how much each commit writes.
 */
function storedBackoff(backoff: BackoffOptions): string | null {
  if (backoff === DEFAULT_BACKOFF) return null;
  return JSON.stringify(backoff);
}
