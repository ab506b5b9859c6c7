/**
 * Compile-time tests of the JSON rule: a handler whose parameters or result
 * cannot travel as JSON makes `add` a compile error for that method. Every
 * `@ts-expect-error` line sits under a twin that differs only in the type at
 * fault and compiles, so a directive cannot pass for another reason. Checked
 * by the `tsc` step of `npm test`; nothing here runs.
 */
import { Injectable } from '@nestjs/common';
import { QueuedTask, type MethodArgs, type NotJsonTask, type TaskQueue } from '../../lib/index.js';

/** An interface has no index signature, and is JSON all the same. */
interface Address {
  street: string;
  zip?: string;
  lines: readonly string[];
}

/** A data-only class: structurally JSON, so allowed (an instance is refused at run time; pass a plain object). */
class Point {
  x = 0;
  y = 0;
}

/** A class with a method: the method is a function, which JSON cannot carry. */
class Labelled {
  label = '';
  describe(): string {
    return this.label;
  }
}

interface Tree {
  label: string;
  children: Tree[];
}

interface DatedTree {
  at: Date;
  children: DatedTree[];
}

@Injectable()
class Values {
  // Each pair differs only in the type at fault.
  @QueuedTask() iso(at: string): void {}
  @QueuedTask() date(at: Date): void {}

  @QueuedTask() record(counts: Record<string, number>): void {}
  @QueuedTask() map(counts: Map<string, number>): void {}

  @QueuedTask() array(tags: string[]): void {}
  @QueuedTask() set(tags: Set<string>): void {}

  @QueuedTask() callbackName(done: string): void {}
  @QueuedTask() callback(done: () => void): void {}

  @QueuedTask() number(amount: number): void {}
  @QueuedTask() bigint(amount: bigint): void {}

  @QueuedTask() nulls(items: (string | null)[]): void {}
  @QueuedTask() undefineds(items: (string | undefined)[]): void {}

  @QueuedTask() readonlyStrings(items: readonly string[]): void {}
  @QueuedTask() readonlyDates(items: readonly Date[]): void {}

  @QueuedTask() pair(pair: [string, number]): void {}
  @QueuedTask() datedPair(pair: [string, Date]): void {}
  @QueuedTask() optionalPairItem(pair: [string, number?]): void {}

  @QueuedTask() nested(user: { name: string; profile: { createdAt: string } }): void {}
  @QueuedTask() nestedDate(user: { name: string; profile: { createdAt: Date } }): void {}

  @QueuedTask() union(at: string | null): void {}
  @QueuedTask() unionDate(at: string | Date): void {}

  @QueuedTask() point(at: Point): void {}
  @QueuedTask() labelled(at: Labelled): void {}

  @QueuedTask() address(to: Address): void {}
  @QueuedTask() tree(root: Tree): void {}
  @QueuedTask() datedTree(root: DatedTree): void {}

  @QueuedTask() async isoResult(): Promise<string> {
    return '';
  }
  @QueuedTask() async dateResult(): Promise<Date> {
    return new Date();
  }
  @QueuedTask() async mapResult(): Promise<{ seen: Record<string, number> }> {
    return { seen: {} };
  }
  @QueuedTask() async nestedMapResult(): Promise<{ seen: Map<string, number> }> {
    return { seen: new Map() };
  }

  // Allowed: no result, an unknown one, null, an optional field, optional and undefined-able parameters.
  @QueuedTask() async nothing(): Promise<void> {}
  @QueuedTask() nothingSync(): void {}
  @QueuedTask() unknownResult(): unknown {
    return null;
  }
  @QueuedTask() maybe(a: string | undefined, count?: number, flag?: boolean): { note?: string } | null {
    return a === undefined && count === undefined && flag === undefined ? null : {};
  }
}

declare module '../../lib/index.js' {
  interface QueuedTasksRegistry {
    'dated.at': Values['date'];
  }
}

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

export async function jsonTypeTests(tasks: TaskQueue, now: Date): Promise<void> {
  await tasks.add(Values, 'iso', [now.toISOString()]);
  // @ts-expect-error Date parameter
  await tasks.add(Values, 'date', [now]);

  await tasks.add(Values, 'record', [{ a: 1 }]);
  // @ts-expect-error Map parameter
  await tasks.add(Values, 'map', [new Map([['a', 1]])]);

  await tasks.add(Values, 'array', [['a']]);
  // @ts-expect-error Set parameter
  await tasks.add(Values, 'set', [new Set(['a'])]);

  await tasks.add(Values, 'callbackName', ['done']);
  // @ts-expect-error function parameter
  await tasks.add(Values, 'callback', [() => undefined]);

  await tasks.add(Values, 'number', [1]);
  // @ts-expect-error bigint parameter
  await tasks.add(Values, 'bigint', [1n]);

  await tasks.add(Values, 'nulls', [['a', null]]);
  // @ts-expect-error undefined inside an array
  await tasks.add(Values, 'undefineds', [['a', undefined]]);

  await tasks.add(Values, 'readonlyStrings', [['a']]);
  // @ts-expect-error a readonly array of Dates
  await tasks.add(Values, 'readonlyDates', [[now]]);

  await tasks.add(Values, 'pair', [['a', 1]]);
  // @ts-expect-error a Date in a tuple
  await tasks.add(Values, 'datedPair', [['a', now]]);
  await tasks.add(Values, 'optionalPairItem', [['a']]);

  await tasks.add(Values, 'nested', [{ name: 'Ann', profile: { createdAt: now.toISOString() } }]);
  // @ts-expect-error a Date deep inside an object
  await tasks.add(Values, 'nestedDate', [{ name: 'Ann', profile: { createdAt: now } }]);

  await tasks.add(Values, 'union', [null]);
  // @ts-expect-error a Date in a union, even when a string is passed
  await tasks.add(Values, 'unionDate', ['2030-01-01']);

  await tasks.add(Values, 'point', [{ x: 1, y: 2 }]);
  // @ts-expect-error a class with a method
  await tasks.add(Values, 'labelled', [{ label: 'a', describe: () => 'a' }]);

  await tasks.add(Values, 'address', [{ street: 'Main St', lines: [] }]);
  await tasks.add(Values, 'tree', [{ label: 'root', children: [{ label: 'leaf', children: [] }] }]);
  // @ts-expect-error a Date in a recursive type
  await tasks.add(Values, 'datedTree', [{ at: now, children: [] }]);

  const iso = await tasks.add(Values, 'isoResult', []);
  assertType<Equal<Awaited<ReturnType<typeof iso.result>>, string>>();
  // @ts-expect-error Date result
  await tasks.add(Values, 'dateResult', []);
  await tasks.add(Values, 'mapResult', []);
  // @ts-expect-error a Map inside the result
  await tasks.add(Values, 'nestedMapResult', []);

  const nothing = await tasks.add(Values, 'nothing', []);
  assertType<Equal<Awaited<ReturnType<typeof nothing.result>>, void>>();
  await tasks.add(Values, 'nothingSync', []);
  const unknownResult = await tasks.add(Values, 'unknownResult', []);
  assertType<Equal<Awaited<ReturnType<typeof unknownResult.result>>, unknown>>();
  await tasks.add(Values, 'maybe', [undefined]);
  await tasks.add(Values, 'maybe', ['a', 1, true]);

  // A declared name whose handler is not JSON is refused like the method.
  await tasks.add('mail.welcome', ['a@b.c', 'Ann']);
  // @ts-expect-error declared name of a handler with a Date parameter
  await tasks.add('dated.at', [now]);
  await tasks.addMany([{ name: 'mail.welcome', args: ['a@b.c', 'Ann'] }]);
  // @ts-expect-error the same, in a batch
  await tasks.addMany([{ name: 'dated.at', args: [now] }]);

  // The message names the argument and what is wrong with it.
  assertType<Equal<MethodArgs<Values, 'date'>, NotJsonTask<'args[0] is or holds a Date (pass date.toISOString())'>>>();
  assertType<Equal<MethodArgs<Values, 'dateResult'>, NotJsonTask<'the result is or holds a Date (pass date.toISOString())'>>>();
  assertType<Equal<MethodArgs<Values, 'labelled'>, NotJsonTask<'args[0] is or holds a function or method'>>>();
  assertType<Equal<MethodArgs<Values, 'undefineds'>, NotJsonTask<'args[0] is or holds undefined inside an array (it would come back as null)'>>>();
}
