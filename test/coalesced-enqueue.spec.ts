/**
 * Concurrent `add` calls of one process share statements and commits
 * (EnqueueBatcher), and each caller still gets exactly its own outcome: its
 * own task id and row, its own refusal, and a typed error (never a hang)
 * when the connection is cut under a burst.
 */
import { Injectable } from '@nestjs/common';
import { QueuedTask, QueueDatabaseError, QueueUnavailableError, TaskQueue, TaskSerializationError } from '../lib/index.js';
import { startTestApp } from './support/test-app.js';
import { installRefuseArgsTrigger } from './support/refuse-poison-trigger.js';
import { useTestDatabase } from './support/suite.js';

@Injectable()
class Burst {
  @QueuedTask({ name: 'burst.echo' })
  async echo(value: unknown): Promise<unknown> {
    return value;
  }

  @QueuedTask({ name: 'burst.other', queue: 'other' })
  async other(value: unknown): Promise<unknown> {
    return value;
  }
}

describe('coalesced single enqueues', () => {
  const { db, track } = useTestDatabase();
  const producer = async () =>
    track(await startTestApp({ url: db().url, providers: [Burst], worker: { enabled: false } })).get(TaskQueue);

  beforeEach(async () => {
    await db().query(`DELETE FROM queued_tasks.tasks`);
  });

  it('gives every concurrent caller its own task, and shares commits between them', async () => {
    const tasks = await producer();
    const count = 400;
    const refs = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        i % 3 === 0 ? tasks.add(Burst, 'other', [i]) : i % 7 === 0 ? tasks.add(Burst, 'echo', [i], { delayMs: 60_000 }) : tasks.add(Burst, 'echo', [i]),
      ),
    );
    const rows = await db().query<{ id: string; args: number[]; queue: string; state: string; tx: string }>(
      `SELECT id::text, args, queue, state, xmin::text AS tx FROM queued_tasks.tasks`,
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(rows).toHaveLength(count);
    expect(new Set(refs.map((ref) => ref.id)).size).toBe(count);
    const mismatched = refs.flatMap((ref, i) => {
      const row = byId.get(ref.id);
      const queue = i % 3 === 0 ? 'other' : 'default';
      const state = i % 3 !== 0 && i % 7 === 0 ? 'scheduled' : 'pending';
      return row && row.args[0] === i && row.queue === queue && row.state === state ? [] : [{ i, id: ref.id, row }];
    });
    expect(mismatched).toEqual([]);
    // One transaction id per commit: 400 callers at once must not need 400 commits.
    const commits = new Set(rows.map((row) => row.tx)).size;
    expect(commits).toBeLessThan(count / 4);
  });

  it('hands a refused value to its own caller only; its neighbours are written', async () => {
    const tasks = await producer();
    const removeTrigger = await installRefuseArgsTrigger(db());
    try {
      const values = Array.from({ length: 120 }, (_, i) => (i === 50 ? 'refuse-as-value' : i === 90 ? 'refuse-otherwise' : `ok-${i}`));
      const outcomes = await Promise.allSettled(values.map((value) => tasks.add(Burst, 'echo', [value])));
      const rejected = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [{ i, error: outcome.reason as Error }] : []));
      expect(rejected.map(({ i, error }) => [i, error.constructor.name])).toEqual([
        [50, TaskSerializationError.name],
        [90, QueueDatabaseError.name],
      ]);
      const stored = await db().query<{ value: string }>(`SELECT args->>0 AS value FROM queued_tasks.tasks ORDER BY id`);
      expect(stored.map((row) => row.value).sort()).toEqual(values.filter((_, i) => i !== 50 && i !== 90).sort());
    } finally {
      await removeTrigger();
    }
  });

  it('settles every caller when its connections are cut under a burst: written, or a QueueUnavailableError', async () => {
    const tasks = await producer();
    // Connections of this database other than the test's own: the producer's pool.
    const cut = async () =>
      db().query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    const values = Array.from({ length: 3_000 }, (_, i) => i);
    const adding = Promise.allSettled(
      values.map(async (i) => {
        // Spread over a few event-loop turns so that the cuts land among them.
        if (i % 300 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        return tasks.add(Burst, 'echo', [i]);
      }),
    );
    for (let k = 0; k < 5; k++) {
      await new Promise((resolve) => setTimeout(resolve, 4));
      await cut();
    }
    const outcomes = await adding;
    const failed = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as Error] : []));
    // The cuts landed among the calls (otherwise this test would prove nothing).
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.filter((error) => !(error instanceof QueueUnavailableError))).toEqual([]);
    const written = new Set((await db().query<{ value: number }>(`SELECT (args->>0)::int AS value FROM queued_tasks.tasks`)).map((row) => row.value));
    // Every call that resolved has its row; a call that failed may or may not (its commit's reply may be what was lost).
    const resolvedMissing = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' && !written.has(i) ? [i] : []));
    expect(resolvedMissing).toEqual([]);
    // And the queue works again afterwards.
    const after = await tasks.add(Burst, 'echo', ['after']);
    expect(after.id).toMatch(/^\d+$/);
  });
});
