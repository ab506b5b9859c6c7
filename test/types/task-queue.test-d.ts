/**
 * Compile-time tests of TaskQueue's typing, checked by the `tsc` step of
 * `npm test`: every `@ts-expect-error` line must fail to compile, and every
 * other line must compile. Nothing here runs.
 */
import { Injectable } from '@nestjs/common';
import { QueuedTask, currentTask, type TaskQueue, type TaskRef } from '../../lib/index.js';
import type { AcceptedTaskNames } from '../../lib/interfaces/task-registry.interface.js';

@Injectable()
class MailTasks {
  @QueuedTask({ name: 'mail.welcome' })
  async sendWelcome(email: string, name: string): Promise<{ messageId: string }> {
    return { messageId: `${email}:${name}` };
  }

  @QueuedTask()
  count(items: number[], optional?: boolean): number {
    return optional ? items.length : 0;
  }

  readonly notAMethod = 42;

  /** Not a `@QueuedTask()`: types cannot tell, so `add` compiles and throws TaskNotRegisteredError. */
  undecorated(email: string): string {
    return email;
  }
}

declare module '../../lib/index.js' {
  interface QueuedTasksRegistry {
    'mail.welcome': MailTasks['sendWelcome'];
  }
}

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

export async function typeTests(tasks: TaskQueue): Promise<void> {
  const ref = await tasks.add(MailTasks, 'sendWelcome', ['a@b.c', 'Ann'], { priority: 10, delayMs: 5_000 });
  assertType<Equal<typeof ref, TaskRef<{ messageId: string }>>>();
  const out = await ref.result({ timeoutMs: 30_000 });
  assertType<Equal<typeof out, { messageId: string }>>();
  const messageId: string = out.messageId;
  void messageId;

  // Synchronous handlers and optional parameters.
  const counted = await tasks.add(MailTasks, 'count', [[1, 2, 3]]);
  assertType<Equal<Awaited<ReturnType<typeof counted.result>>, number>>();
  await tasks.add(MailTasks, 'count', [[1], true]);

  // @ts-expect-error misspelt method
  await tasks.add(MailTasks, 'sendWelcom', ['a@b.c', 'Ann']);
  // @ts-expect-error a property, not a method
  await tasks.add(MailTasks, 'notAMethod', []);
  // @ts-expect-error wrong argument type
  await tasks.add(MailTasks, 'sendWelcome', ['a@b.c', 42]);
  // @ts-expect-error missing argument
  await tasks.add(MailTasks, 'sendWelcome', ['a@b.c']);
  // @ts-expect-error too many arguments
  await tasks.add(MailTasks, 'sendWelcome', ['a@b.c', 'Ann', 'extra']);
  // @ts-expect-error unknown option
  await tasks.add(MailTasks, 'sendWelcome', ['a@b.c', 'Ann'], { priorty: 1 });
  // @ts-expect-error runAt must be a Date
  await tasks.add(MailTasks, 'sendWelcome', ['a@b.c', 'Ann'], { runAt: '2030-01-01' });

  // A method without @QueuedTask() has the type of any other method: this compiles, and rejects with
  // TaskNotRegisteredError at run time (the README says so).
  await tasks.add(MailTasks, 'undecorated', ['a@b.c']);

  // By a name declared in QueuedTasksRegistry: typed like the method.
  const byName = await tasks.add('mail.welcome', ['a@b.c', 'Ann']);
  assertType<Equal<Awaited<ReturnType<typeof byName.result>>, { messageId: string }>>();
  // @ts-expect-error declared name, wrong arguments
  await tasks.add('mail.welcome', ['a@b.c']);

  // Once names are declared, only they compile; each error line has its twin that compiles.
  await tasks.add('mail.welcome', ['a@b.c', 'Ann']);
  // @ts-expect-error misspelt name
  await tasks.add('mail.welcom', ['a@b.c', 'Ann']);
  await tasks.add(MailTasks, 'count', [[1]]);
  // @ts-expect-error a registered name that is not declared: enqueue it by class and method, or declare it
  await tasks.add('MailTasks.count', [[1]]);
  await tasks.add(declaredName, ['a@b.c', 'Ann']);
  // @ts-expect-error a name typed `string` is not known to be declared
  await tasks.add(dynamicName, ['a@b.c', 'Ann']);

  // addMany's requests by name follow the same rules, request by request.
  await tasks.addMany([{ name: 'mail.welcome', args: ['a@b.c', 'Ann'] }, { target: MailTasks, method: 'count', args: [[1]] }]);
  // @ts-expect-error misspelt name in a batch
  await tasks.addMany([{ name: 'mail.welcom', args: ['a@b.c', 'Ann'] }, { target: MailTasks, method: 'count', args: [[1]] }]);
  await tasks.addMany([{ name: 'mail.welcome', args: ['a@b.c', 'Ann'], options: { priority: 1 } }]);
  // @ts-expect-error declared name, wrong arguments, in a batch
  await tasks.addMany([{ name: 'mail.welcome', args: ['a@b.c', 42], options: { priority: 1 } }]);

  // Dependencies: refs, ids; flows typed end to end.
  await tasks.add(MailTasks, 'count', [[1]], { dependsOn: [ref, '42'], onParentFailure: 'run' });
  // @ts-expect-error onParentFailure is one of 'fail' | 'cancel' | 'run'
  await tasks.add(MailTasks, 'count', [[1]], { dependsOn: [ref, '42'], onParentFailure: 'skip' });
  await tasks.add(MailTasks, 'count', [[1]], { dependsOn: [ref] });
  // @ts-expect-error dependsOn takes refs, ids or flow nodes, not numbers
  await tasks.add(MailTasks, 'count', [[1]], { dependsOn: [42] });
  const flowRef = await tasks.flow((f) => {
    const welcome = f.add(MailTasks, 'sendWelcome', ['a@b.c', 'Ann']);
    return f.add(MailTasks, 'count', [[1, 2]], { dependsOn: [welcome, ref] });
  });
  assertType<Equal<typeof flowRef, TaskRef<number>>>();
  const flowResult: number = await flowRef.result();
  void flowResult;
  await tasks.flow((f) => f.add('mail.welcome', ['a@b.c', 'Ann']));
  // @ts-expect-error flow tasks are checked like add: wrong argument type
  await tasks.flow((f) => f.add('mail.welcome', ['a@b.c', 42]));
  // @ts-expect-error the builder must return a node of the flow
  await tasks.flow(() => ref);
  const parentCounts = await currentTask()?.parentResults<[number, { messageId: string }]>();
  if (parentCounts) {
    const first: number | undefined = parentCounts[0];
    // @ts-expect-error a parent that did not complete gives undefined
    const second: { messageId: string } = parentCounts[1];
    void first;
    void second;
  }

  // Without any declaration every string is a name (checked at run time); with one, only the declared.
  assertType<Equal<AcceptedTaskNames<{}>, string>>();
  assertType<Equal<AcceptedTaskNames<{ 'mail.welcome': MailTasks['sendWelcome']; 'mail.count': MailTasks['count'] }>, 'mail.welcome' | 'mail.count'>>();
}

declare const declaredName: 'mail.welcome';
declare const dynamicName: string;
