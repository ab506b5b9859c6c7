/**
 * A claim promotes due scheduled tasks only when one may be due (see
 * NextRunTimer): after a claim finds the queue drained, the producer asks
 * the database for the earliest scheduled run time, lowers it with every run
 * time it hears of, and forgets it at each poll. Delayed pickup must not
 * suffer: a task announced by its insert runs at its time, and one nobody
 * announced (a row written behind the queue's back) runs by the next poll.
 */
import { Injectable } from '@nestjs/common';
import { QueuedTask, TaskQueue } from '../lib/index.js';
import { TaskWorker } from '../lib/worker/task-worker.service.js';
import type { NextRunTimer } from '../lib/worker/next-run-timer.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { waitFor } from './support/wait-for.js';

@Injectable()
class Quiet {
  @QueuedTask({ name: 'quiet.noop' })
  async noop(): Promise<number> {
    return Date.now();
  }
}

/** The one producer's timer (worker.queues unset: one producer for every queue). */
function timerOf(worker: TaskWorker): NextRunTimer {
  return (worker as unknown as { producers: { all: { timer: NextRunTimer }[] } }).producers.all[0]!.timer;
}

describe('promotion only when a scheduled task may be due', () => {
  const { db, track } = useTestDatabase();

  it('knows nothing is due after a drain, learns of an announced delayed task, and runs it on time', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Quiet], worker: { pollIntervalMs: 60_000 } }));
    const tasks = app.get(TaskQueue);
    const timer = timerOf(app.get(TaskWorker));
    await (await tasks.add(Quiet, 'noop', [])).result({ timeoutMs: 5_000 });
    await waitFor(async () => !timer.mayHaveDue(), 5_000, 'the drained producer to learn that nothing is scheduled');

    const runAt = Date.now() + 400;
    const delayed = await tasks.add(Quiet, 'noop', [], { runAt: new Date(runAt) });
    await waitFor(async () => timer.mayHaveDue(runAt), 5_000, 'the run time heard of');
    expect(timer.mayHaveDue(runAt - 100)).toBe(false);
    const ranAt = await delayed.result({ timeoutMs: 5_000 });
    expect(ranAt - runAt).toBeLessThan(250);
  });

  it('promotes a scheduled task nobody announced by the next poll', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Quiet], worker: { pollIntervalMs: 300 } }));
    const tasks = app.get(TaskQueue);
    const timer = timerOf(app.get(TaskWorker));
    await (await tasks.add(Quiet, 'noop', [])).result({ timeoutMs: 5_000 });
    await waitFor(async () => !timer.mayHaveDue(), 5_000, 'the drained producer to learn that nothing is scheduled');
    const [{ id }] = await db().query<{ id: string }>(
      `INSERT INTO queued_tasks.tasks (name, state, run_at) VALUES ('quiet.noop', 'scheduled', now() + interval '100 milliseconds') RETURNING id::text`,
    );
    const ref = await tasks.ref<number>(id);
    await expect(ref.result({ timeoutMs: 5_000 })).resolves.toEqual(expect.any(Number));
  });
});
