/**
 * Declare your task names here (by declaration merging) to get typed
 * arguments and results when you enqueue by name:
 *
 * @example
 * ```ts
 * declare module 'nestjs-queued-tasks' {
 *   interface QueuedTasksRegistry {
 *     'mail.welcome': MailTasks['sendWelcome'];
 *   }
 * }
 * await tasks.add('mail.welcome', ['a@b.c', 'Ann']); // args checked against sendWelcome
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-empty-object-type
export interface QueuedTasksRegistry {}

type AnyHandler = (...args: never[]) => unknown;

/** Names of the methods of `T` (the keys `add(Class, method)` accepts). */
export type MethodNames<T> = {
  [K in keyof T]-?: T[K] extends AnyHandler ? K : never;
}[keyof T] &
  string;

/** Arguments of method `K` of `T`, as the tuple `add` expects. */
export type MethodArgs<T, K extends keyof T> = T[K] extends (...args: infer A) => unknown ? A : never;

/** Resolved return type of method `K` of `T`: what `TaskRef.result()` yields. */
export type MethodResult<T, K extends keyof T> = T[K] extends (...args: never[]) => infer R ? Awaited<R> : never;

/** Task names declared in {@link QueuedTasksRegistry}. */
export type RegisteredTaskName = keyof QueuedTasksRegistry & string;

/** Arguments of a task enqueued by name: typed for declared names, otherwise any JSON array. */
export type TaskArgsOf<N extends string> = N extends RegisteredTaskName
  ? QueuedTasksRegistry[N] extends (...args: infer A) => unknown
    ? A
    : never
  : readonly unknown[];

/** Result of a task enqueued by name: typed for declared names, otherwise unknown. */
export type TaskResultOf<N extends string> = N extends RegisteredTaskName
  ? QueuedTasksRegistry[N] extends (...args: never[]) => infer R
    ? Awaited<R>
    : never
  : unknown;
