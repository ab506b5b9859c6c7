import type { JsonHandlerArgs } from './json-compatible.interface.js';

/**
 * Declare your task names here (by declaration merging) to get typed
 * arguments and results when you enqueue by name. Once one name is declared,
 * `add(name, …)` and `addMany`'s `{ name, args }` accept only declared names:
 * a misspelt name is a compile error. While none is, any string is accepted
 * and checked at run time.
 *
 * @example
 * ```ts
 * declare module 'nestjs-queued-tasks' {
 *   interface QueuedTasksRegistry {
 *     'mail.welcome': MailTasks['sendWelcome'];
 *   }
 * }
 * await tasks.add('mail.welcome', ['a@b.c', 'Ann']); // args checked against sendWelcome
 * await tasks.add('mail.welcom', ['a@b.c', 'Ann']);  // compile error: not a declared name
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-empty-object-type
export interface QueuedTasksRegistry {}

type AnyHandler = (...args: never[]) => unknown;

/**
 * Names of the methods of `T` (the keys `add(Class, method)` accepts). Types
 * cannot tell a `@QueuedTask()` method from any other: a method without the
 * decorator compiles here and fails at `add` with TaskNotRegisteredError.
 */
export type MethodNames<T> = {
  [K in keyof T]-?: T[K] extends AnyHandler ? K : never;
}[keyof T] &
  string;

/**
 * Arguments of method `K` of `T`, as the tuple `add` expects. When a
 * parameter or the result of the method is not JSON (a `Date`, `Map`, `Set`,
 * function, `bigint`, `undefined` inside an array…), this is a
 * `NotJsonTask` naming it, which no argument list satisfies.
 */
export type MethodArgs<T, K extends keyof T> = JsonHandlerArgs<T[K]>;

/** Resolved return type of method `K` of `T`: what `TaskRef.result()` yields. */
export type MethodResult<T, K extends keyof T> = T[K] extends (...args: never[]) => infer R ? Awaited<R> : never;

/** Task names declared in {@link QueuedTasksRegistry}. */
export type RegisteredTaskName = keyof QueuedTasksRegistry & string;

/**
 * Names `add(name, …)` accepts: the declared ones as soon as
 * {@link QueuedTasksRegistry} declares any (so a misspelt name does not
 * compile), any string while it declares none.
 */
export type TaskName = AcceptedTaskNames<QueuedTasksRegistry>;

/** {@link TaskName} for a given registry (apart so that both cases can be tested in one program). */
export type AcceptedTaskNames<Registry> = [keyof Registry & string] extends [never] ? string : keyof Registry & string;

/**
 * Arguments of a task enqueued by name: typed (and checked to be JSON, as
 * {@link MethodArgs}) for declared names, otherwise any array, checked at run
 * time.
 */
export type TaskArgsOf<N extends string> = N extends RegisteredTaskName
  ? JsonHandlerArgs<QueuedTasksRegistry[N]>
  : readonly unknown[];

/** Result of a task enqueued by name: typed for declared names, otherwise unknown. */
export type TaskResultOf<N extends string> = N extends RegisteredTaskName
  ? QueuedTasksRegistry[N] extends (...args: never[]) => infer R
    ? Awaited<R>
    : never
  : unknown;
