import { Injectable } from '@nestjs/common';
import { QueuedTask, TaskQueue } from '../../lib/index.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { installPoisonTrigger, removePoisonTrigger } from '../support/refuse-poison-trigger.js';
import { waitFor } from '../support/wait-for.js';
import { byAnyName } from '../support/by-any-name.js';

@Injectable()
class Handlers {
  @QueuedTask({ name: 'record.echo', maxAttempts: 3 })
  async echo(value: string): Promise<string> {
    return value;
  }

  /** Throws a value that cannot be turned into text: no prototype, a BigInt inside. */
  @QueuedTask({ name: 'record.unprintable', maxAttempts: 1 })
  async unprintable(): Promise<never> {
    throw Object.assign(Object.create(null) as object, { big: 10n, nested: { deeper: 1n } });
  }

  /** Throws an Error whose every property throws when read. */
  @QueuedTask({ name: 'record.hostile', maxAttempts: 1 })
  async hostile(): Promise<never> {
    const explode = () => {
      throw new Error('no');
    };
    throw Object.create(Error.prototype, {
      message: { get: explode },
      name: { get: explode },
      stack: { get: explode },
    }) as Error;
  }
}

describe('writes the database refuses, and values that cannot be written', () => {
  const { db, track } = useTestDatabase();

  afterEach(() => removePoisonTrigger(db()));

  // Defect 9: one refused completion blocked its batch, and then every claim, for ever.
  it('a completion the database refuses fails that task alone; the rest complete and the worker keeps claiming', async () => {
    await installPoisonTrigger(db());
    const app = track(await startTestApp({ url: db().url, providers: [Handlers], worker: { concurrency: 10 } }));
    const tasks = app.get(TaskQueue);
    const values = Array.from({ length: 300 }, (_, i) => (i === 137 ? 'poison' : `v${i}`));
    const refs = await byAnyName(tasks).addMany(values.map((value) => ({ name: 'record.echo', args: [value] })));
    const poison = refs[137]!;
    await expect(poison.result({ timeoutMs: 20_000 })).rejects.toMatchObject({ name: 'TaskFailedError' });
    await waitFor(
      async () => {
        const [row] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM queued_tasks.tasks WHERE state = 'completed'`);
        return row!.n === 299;
      },
      20_000,
      'the other 299 tasks to complete',
    );
    const info = await poison.info();
    expect(info).toMatchObject({ state: 'failed', attempts: 1 });
    expect(info.errors).toEqual([
      expect.objectContaining({ name: 'TaskResultRefusedError', message: expect.stringContaining('poison results are refused') }),
    ]);
    // Still claiming.
    expect(await (await tasks.add(Handlers, 'echo', ['after'])).result({ timeoutMs: 10_000 })).toBe('after');
  });

  // Defect 10: a thrown value that could not be stringified crashed the process or left the task running.
  it('records any thrown value, even one that cannot be turned into text', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Handlers] }));
    const tasks = app.get(TaskQueue);
    const unprintable = await tasks.add(Handlers, 'unprintable', []);
    const hostile = await tasks.add(Handlers, 'hostile', []);
    await expect(unprintable.result({ timeoutMs: 10_000 })).rejects.toMatchObject({ name: 'TaskFailedError' });
    await expect(hostile.result({ timeoutMs: 10_000 })).rejects.toMatchObject({ name: 'TaskFailedError' });
    expect((await unprintable.info()).errors).toEqual([
      expect.objectContaining({ name: 'NonErrorThrown', message: '{"big":"10n","nested":{"deeper":"1n"}}' }),
    ]);
    expect((await hostile.info()).errors).toEqual([
      expect.objectContaining({ name: 'Error', message: 'an Error whose message cannot be read' }),
    ]);
  });
});
