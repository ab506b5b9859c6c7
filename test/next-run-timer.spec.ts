/**
 * NextRunTimer (no database): what a producer knows about scheduled tasks.
 * When its timer fires, the next claim must promote whatever is due, even
 * if the timer fired a moment before the run time by Date.now(): Node's
 * timers run on another clock, and a claim that left out the promotion then
 * found nothing and, still "knowing" the run time, did not look again until
 * the poll (a retry ran 0.5 s late in CI).
 */
import { NextRunTimer } from '../lib/worker/next-run-timer.js';
import type { TaskStore } from '../lib/persistence/task-store.js';

/** A store whose only question, the next run time, answers "in 30 ms". */
const store = { msUntilNextRun: async () => 30 } as unknown as TaskStore;

describe('NextRunTimer', () => {
  it('knows nothing is due before the run time the database gave, and forgets that when its timer fires', async () => {
    const seen: boolean[] = [];
    let runAt = 0;
    let timer!: NextRunTimer;
    const fired = new Promise<void>((resolve) => {
      timer = new NextRunTimer(store, { queue: 'q', names: () => ['t'], maxRetryMs: 1_000 }, () => {
        // As if Node fired the timer a millisecond before the run time.
        seen.push(timer.mayHaveDue(runAt - 2));
        resolve();
      });
    });
    await timer.armFromDatabase(() => true);
    runAt = Date.now() + 30;
    expect(timer.mayHaveDue(runAt - 2)).toBe(false);
    await fired;
    expect(seen).toEqual([true]);
    timer.clear();
  });
});
