import { Injectable } from '@nestjs/common';
import { QueuedTask, TaskFailedError, TaskQueue } from '../lib/index.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { byAnyName } from './support/by-any-name.js';

@Injectable()
class Producer {
  @QueuedTask({ name: 'poison.result', maxAttempts: 3 })
  async result(): Promise<string> {
    return 'contains \u0000 a NUL';
  }

  @QueuedTask({ name: 'poison.error', maxAttempts: 1 })
  async error(): Promise<never> {
    throw new Error('bad \u0000 message \uDC00');
  }

  @QueuedTask({ name: 'poison.fine' })
  async fine(n: number): Promise<number> {
    return n * 2;
  }
}

describe('values PostgreSQL cannot store', () => {
  const { db, track } = useTestDatabase();

  it('fails a task whose result jsonb cannot store, without retry, and the worker goes on', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Producer] }));
    const tasks = app.get(TaskQueue);
    const poisoned = await tasks.add(Producer, 'result', []);
    const fine = await byAnyName(tasks).addMany(Array.from({ length: 20 }, (_, i) => ({ name: 'poison.fine', args: [i] })));
    const failure = await poisoned.result({ timeoutMs: 10_000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TaskFailedError);
    expect((await poisoned.info()).errors).toEqual([expect.objectContaining({ name: 'TaskSerializationError', attempt: 1 })]);
    expect(await Promise.all(fine.map((ref) => ref.result({ timeoutMs: 10_000 })))).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });

  it('records an error message jsonb cannot store with replacement characters', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Producer] }));
    const ref = await app.get(TaskQueue).add(Producer, 'error', []);
    await expect(ref.result({ timeoutMs: 10_000 })).rejects.toThrow(TaskFailedError);
    expect((await ref.info()).errors[0]!.message).toBe('bad \uFFFD message \uFFFD');
  });
});
