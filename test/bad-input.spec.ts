import { Injectable } from '@nestjs/common';
import {
  DuplicateTaskNameError,
  InvalidModuleOptionsError,
  InvalidTaskOptionsError,
  QueueSchemaMissingError,
  QueueUnavailableError,
  QueuedTask,
  TaskNotRegisteredError,
  TaskQueue,
  TaskSerializationError,
  UnknownTaskError,
} from '../lib/index.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { byAnyName } from './support/by-any-name.js';

@Injectable()
class Mailer {
  @QueuedTask({ name: 'mail.send' })
  async send(_to: string, _payload?: unknown): Promise<void> {}

  notATask(): void {}
}

@Injectable()
class Unlisted {
  @QueuedTask({ name: 'unlisted.run' })
  async run(): Promise<void> {}
}

class WithMethods {
  constructor(readonly value = 1) {}
  twice(): number {
    return this.value * 2;
  }
}

describe('bad input', () => {
  const { db, track } = useTestDatabase();

  async function producer() {
    return track(await startTestApp({ url: db().url, providers: [Mailer], worker: { enabled: false } }));
  }

  async function taskCount(): Promise<number> {
    const [row] = await db().query<{ n: string }>(`SELECT count(*) AS n FROM queued_tasks.tasks`);
    return Number(row!.n);
  }
  // Tests that must write nothing compare against the count before them.
  let before = 0;
  beforeEach(async () => {
    before = await taskCount();
  });
  const written = async () => (await taskCount()) - before;

  it('rejects an unknown task name and writes nothing', async () => {
    const tasks = (await producer()).get(TaskQueue);
    await expect(byAnyName(tasks).add('mail.sned', ['a@b.c'])).rejects.toThrow(UnknownTaskError);
    await expect(byAnyName(tasks).add('mail.sned', ['a@b.c'])).rejects.toThrow('No task named "mail.sned"');
    expect(await written()).toBe(0);
  });

  it('rejects an unregistered class or a method that is not a task, and writes nothing', async () => {
    const tasks = (await producer()).get(TaskQueue);
    await expect(tasks.add(Unlisted, 'run', [])).rejects.toThrow(TaskNotRegisteredError);
    await expect(tasks.add(Mailer, 'notATask', [])).rejects.toThrow('Mailer.notATask is not a registered task');
    expect(await written()).toBe(0);
  });

  it.each([
    ['a BigInt', 10n, 'args[1]'],
    ['a function', () => 1, 'args[1]'],
    ['a symbol', Symbol('x'), 'args[1]'],
    ['a nested class instance', { user: new WithMethods() }, 'args[1].user'],
    ['a Map', new Map([[1, 2]]), 'args[1]'],
    ['a Date', new Date(), 'args[1]'],
    ['NaN', Number.NaN, 'args[1]'],
    ['Infinity', { n: Infinity }, 'args[1].n'],
    ['undefined inside an array', [1, undefined], 'args[1][1]'],
    ['a NUL character (jsonb refuses it)', 'a\u0000b', 'args[1]'],
    ['an unpaired surrogate', { text: 'x\uD800' }, 'args[1].text'],
  ])('rejects %s with TaskSerializationError naming the path, and writes nothing', async (_label, value, path) => {
    const tasks = (await producer()).get(TaskQueue);
    const error = await byAnyName(tasks).add('mail.send', ['a@b.c', value]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskSerializationError);
    expect((error as TaskSerializationError).path).toBe(path);
    expect(await written()).toBe(0);
  });

  it('rejects circular structures', async () => {
    const tasks = (await producer()).get(TaskQueue);
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    await expect(byAnyName(tasks).add('mail.send', ['a@b.c', loop])).rejects.toThrow('circular reference');
    expect(await written()).toBe(0);
  });

  it('accepts repeated (non-circular) references and trailing undefined arguments', async () => {
    const tasks = (await producer()).get(TaskQueue);
    const shared = { a: 1 };
    const ref = await byAnyName(tasks).add('mail.send', ['a@b.c', { x: shared, y: shared, z: undefined }]);
    expect((await ref.info()).args).toEqual(['a@b.c', { x: { a: 1 }, y: { a: 1 } }]);
    const trimmed = await tasks.add(Mailer, 'send', ['b@c.d', undefined]);
    expect((await trimmed.info()).args).toEqual(['b@c.d']);
  });

  it.each([
    ['a negative delay', { delayMs: -1 }, 'delayMs'],
    ['maxAttempts < 1', { maxAttempts: 0 }, 'maxAttempts'],
    ['a fractional priority', { priority: 1.5 }, 'priority'],
    ['an invalid runAt', { runAt: new Date('nope') }, 'runAt'],
    ['delayMs and runAt together', { delayMs: 1, runAt: new Date() }, 'delayMs'],
    ['an unknown backoff type', { backoff: { type: 'linear', delayMs: 1 } }, 'backoff.type'],
    ['an empty queue name', { queue: '' }, 'queue'],
    ['a zero timeout', { timeoutMs: 0 }, 'timeoutMs'],
  ])('rejects %s with InvalidTaskOptionsError and writes nothing', async (_label, options, option) => {
    const tasks = (await producer()).get(TaskQueue);
    const error = await byAnyName(tasks).add('mail.send', ['a@b.c'], options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTaskOptionsError);
    expect((error as InvalidTaskOptionsError).option).toBe(option);
    expect(await written()).toBe(0);
  });

  it('rejects a batch whole when one of its tasks is bad', async () => {
    const tasks = (await producer()).get(TaskQueue);
    await expect(
      byAnyName(tasks).addMany([
        { name: 'mail.send', args: ['ok@b.c'] },
        { name: 'mail.send', args: ['bad@b.c', 1n] },
      ]),
    ).rejects.toThrow(TaskSerializationError);
    expect(await written()).toBe(0);
  });

  it('fails at bootstrap on a duplicate task name', async () => {
    @Injectable()
    class OtherMailer {
      @QueuedTask({ name: 'mail.send' })
      async send(): Promise<void> {}
    }
    await expect(startTestApp({ url: db().url, providers: [Mailer, OtherMailer] })).rejects.toThrow(DuplicateTaskNameError);
  });

  it('fails at bootstrap on bad module options', async () => {
    await expect(startTestApp({ url: db().url, providers: [Mailer], worker: { concurrency: 0 }, expectBootstrapFailure: true })).rejects.toThrow(
      InvalidModuleOptionsError,
    );
    await expect(startTestApp({ url: db().url, schema: 'bad schema;', expectBootstrapFailure: true })).rejects.toThrow(InvalidModuleOptionsError);
  });

  it('reports missing tables with QueueSchemaMissingError', async () => {
    const app = track(
      await startTestApp({ url: db().url, providers: [Mailer], schema: 'never_migrated', migrationsRun: false, worker: { enabled: false } }),
    );
    await expect(byAnyName(app.get(TaskQueue)).add('mail.send', ['a@b.c'])).rejects.toThrow(QueueSchemaMissingError);
  });

  it('reports an unreachable database with QueueUnavailableError at bootstrap', async () => {
    const url = new URL(db().url);
    url.port = '1'; // nothing listens there
    await expect(startTestApp({ url: url.toString(), providers: [Mailer], expectBootstrapFailure: true })).rejects.toThrow(QueueUnavailableError);
  });
});
