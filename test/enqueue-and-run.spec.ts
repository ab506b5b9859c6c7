import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { QueuedTask, TaskQueue, currentTask, type TaskContext } from '../lib/index.js';
import { LeakCheck } from './support/leak-check.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import { byAnyName } from './support/by-any-name.js';

@Injectable()
class Greeter {
  readonly contexts: TaskContext[] = [];

  @QueuedTask({ name: 'greet', queue: 'greetings' })
  async greet(name: string, excited = false): Promise<{ text: string }> {
    this.contexts.push(currentTask()!);
    return { text: `Hello, ${name}${excited ? '!' : '.'}` };
  }

  @QueuedTask()
  add(a: number, b: number): number {
    return a + b;
  }

  @QueuedTask()
  async nothing(): Promise<void> {}
}

describe('enqueue → run → result', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let leaks: LeakCheck;

  beforeAll(async () => {
    db = await createTestDatabase();
    leaks = new LeakCheck(db);
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    leaks.baseline();
    app = await startTestApp({ url: db.url, providers: [Greeter] });
  });
  afterEach(async () => {
    await app.close();
    await leaks.assertNoLeaks();
  });

  it('runs a task added by class and method and returns its typed result', async () => {
    const tasks = app.get(TaskQueue);
    const ref = await tasks.add(Greeter, 'greet', ['Ann', true]);
    expect(ref.id).toMatch(/^\d+$/);
    const result = await ref.result({ timeoutMs: 10_000 });
    expect(result.text).toBe('Hello, Ann!');
    expect(await ref.status()).toBe('completed');

    const info = await tasks.get(ref.id);
    expect(info).toMatchObject({
      id: ref.id,
      name: 'greet',
      queue: 'greetings',
      state: 'completed',
      args: ['Ann', true],
      result: { text: 'Hello, Ann!' },
      errors: [],
      attempts: 1,
      maxAttempts: 3,
      priority: 0,
    });
    expect(info.createdAt).toBeInstanceOf(Date);
    expect(info.startedAt!.getTime()).toBeGreaterThanOrEqual(info.createdAt.getTime());
    expect(info.finishedAt!.getTime()).toBeGreaterThanOrEqual(info.startedAt!.getTime());
  });

  it('runs a task added by its registered name, with the default name Class.method', async () => {
    const tasks = app.get(TaskQueue);
    const byName = await byAnyName(tasks).add('greet', ['Bob']);
    const byDefaultName = await byAnyName(tasks).add('Greeter.add', [2, 3]);
    expect(await byName.result({ timeoutMs: 10_000 })).toEqual({ text: 'Hello, Bob.' });
    expect(await byDefaultName.result({ timeoutMs: 10_000 })).toBe(5);
  });

  it('gives the handler its context through currentTask()', async () => {
    const tasks = app.get(TaskQueue);
    const ref = await tasks.add(Greeter, 'greet', ['Cy']);
    await ref.result({ timeoutMs: 10_000 });
    const context = app.get(Greeter).contexts.find((c) => c.id === ref.id)!;
    expect(context).toMatchObject({ id: ref.id, name: 'greet', queue: 'greetings', attempt: 1, maxAttempts: 3 });
    expect(context.signal).toBeInstanceOf(AbortSignal);
    expect(context.workerId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('stores undefined results as null', async () => {
    const ref = await app.get(TaskQueue).add(Greeter, 'nothing', []);
    expect(await ref.result({ timeoutMs: 10_000 })).toBeNull();
  });

  it('adds many tasks in one call, in order, and runs each', async () => {
    const tasks = app.get(TaskQueue);
    const refs = await tasks.addMany(
      Array.from({ length: 50 }, (_, i) => ({ target: Greeter, method: 'add', args: [i, 1] })),
    );
    expect(refs).toHaveLength(50);
    const results = await Promise.all(refs.map((ref) => ref.result({ timeoutMs: 10_000 })));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const ids = refs.map((ref) => BigInt(ref.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
  });

  it('returns a ref for a known id and rejects an unknown one', async () => {
    const tasks = app.get(TaskQueue);
    const ref = await tasks.add(Greeter, 'add', [1, 1]);
    const again = await tasks.ref<number>(ref.id);
    expect(await again.result({ timeoutMs: 10_000 })).toBe(2);
    await expect(tasks.get('999999999')).rejects.toThrow('No task with id 999999999');
    await expect(tasks.get('not-an-id')).rejects.toMatchObject({ name: 'TaskNotFoundError' });
  });
});
