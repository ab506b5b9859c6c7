import { Injectable } from '@nestjs/common';
import { QueuedTask, TaskQueue } from '../../lib/index.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { byAnyName } from '../support/by-any-name.js';

@Injectable()
class Jittery {
  /** Finishes in 0–3 ms: completions and start markers of one worker ride on two claims in flight at once. */
  @QueuedTask({ name: 'contention.jitter' })
  async jitter(ms: number): Promise<void> {
    if (ms > 0) await sleep(ms);
  }
}

describe('one worker draining with two claims in flight', () => {
  const { db, track } = useTestDatabase();

  it('never deadlocks between the statements that carry its completions and start markers', async () => {
    const deadlocks = async () =>
      Number((await db().query<{ n: string }>(`SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()`))[0]!.n);
    const app = track(await startTestApp({ url: db().url, providers: [Jittery], worker: { concurrency: 10 } }));
    const tasks = app.get(TaskQueue);
    // Trained on instant tasks first, the worker claims far ahead.
    await byAnyName(tasks).addMany(Array.from({ length: 500 }, () => ({ name: 'contention.jitter', args: [0] })));
    await sleep(1_000);
    const before = await deadlocks();
    for (let round = 0; round < 15; round++) {
      await byAnyName(tasks).addMany(Array.from({ length: 1_000 }, (_, i) => ({ name: 'contention.jitter', args: [i % 2] })));
    }
    await waitFor(
      async () => {
        const [row] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM queued_tasks.tasks WHERE state <> 'completed'`);
        return row!.n === 0;
      },
      60_000,
      'the drain',
    );
    // Statistics reach pg_stat_database within a second of the transaction's end.
    await sleep(1_500);
    expect((await deadlocks()) - before).toBe(0);
    const [errors] = await db().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM queued_tasks.tasks WHERE jsonb_array_length(errors) > 0 OR attempts <> 1`,
    );
    expect(errors!.n).toBe(0);
  });
});
