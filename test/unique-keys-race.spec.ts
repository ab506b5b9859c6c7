/**
 * Keys are atomic: 8 concurrent producers in 2 processes adding one key
 * yield exactly one task per scope window, whichever kind of key, through
 * `add` or through `addMany`; with a worker finishing tasks meanwhile, never
 * two active tasks of a key at once; and a debounce racing the claim never
 * changes a task that started.
 */
import type { AddTaskOptions } from '../lib/index.js';
import { RaceTasks, raceRuns } from './fixtures/keyed-tasks.js';
import { startKeyedProducer, type KeyedProducer } from './support/keyed-producer-process.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { waitFor } from './support/wait-for.js';

/** Concurrent producers per process: 8 in all. */
const PER_PROCESS = 4;

describe('keys under concurrency: 8 producers in 2 processes', () => {
  const { db, track } = useTestDatabase();
  beforeEach(async () => {
    raceRuns.length = 0;
    await db().query(`DELETE FROM queued_tasks.tasks`);
  });

  /**
   * Starts two producer processes, runs `order` in both at once and stops
   * them (within the test: the leak check after it finds any connection still
   * open). Resolves with every ref they got.
   */
  async function race(options: AddTaskOptions, adds: number, batch = 1): Promise<{ id: string; deduplicated: boolean }[]> {
    const producers: KeyedProducer[] = await Promise.all([startKeyedProducer(db().url), startKeyedProducer(db().url)]);
    try {
      return (await Promise.all(producers.map((producer) => producer.run({ producers: PER_PROCESS, adds, options, batch })))).flat();
    } finally {
      await Promise.all(producers.map((producer) => producer.stop()));
    }
  }
  const tasksOfKey = () =>
    db().query<{ id: string; state: string; args: unknown[] }>(`SELECT id::text, state, args FROM queued_tasks.tasks ORDER BY id`);

  /** Samples, until `done`, the most tasks of the key found at once in `states` (one snapshot per sample). */
  async function mostAtOnce(done: Promise<unknown>, condition: string): Promise<number> {
    let most = 0;
    let finished = false;
    void done.finally(() => (finished = true));
    while (!finished) {
      const [row] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM queued_tasks.tasks WHERE ${condition}`);
      most = Math.max(most, row!.n);
    }
    return most;
  }

  it("unique 'active': 8,000 adds of one key make one task; every caller gets its ref", async () => {
    const refs = await race({ unique: { key: 'race:active' } }, 1_000);
    expect(refs).toHaveLength(8_000);
    const rows = await tasksOfKey();
    expect(rows).toHaveLength(1);
    expect(refs.filter((ref) => ref.id !== rows[0]!.id)).toEqual([]);
    expect(refs.filter((ref) => !ref.deduplicated)).toHaveLength(1);
  });

  it.each<[string, AddTaskOptions]>([
    ["unique 'any'", { unique: { key: 'race:any', scope: 'any', ttlMs: 600_000 } }],
    ['throttle', { throttle: { key: 'race:throttle', periodMs: 600_000 } }],
    ['debounce', { debounce: { key: 'race:debounce', delayMs: 600_000 } }],
  ])('%s: 2,000 adds of one key, half of them through addMany, make one task', async (_kind, options) => {
    const refs = await race(options, 250, 5);
    expect(refs).toHaveLength(2_000);
    const rows = await tasksOfKey();
    expect(rows).toHaveLength(1);
    expect(refs.filter((ref) => ref.id !== rows[0]!.id)).toEqual([]);
    expect(refs.filter((ref) => !ref.deduplicated)).toHaveLength(1);
  });

  it("unique 'active' while a worker finishes the tasks: a new task per window, never two active at once", async () => {
    const worker = track(await startTestApp({ url: db().url, providers: [RaceTasks], worker: { pollIntervalMs: 200 } }));
    const adding = race({ unique: { key: 'race:windows' } }, 250);
    const most = await mostAtOnce(adding, `state IN ('scheduled', 'pending', 'running')`);
    const refs = await adding;
    await waitFor(async () => (await tasksOfKey()).every((row) => row.state === 'completed'), 20_000, 'every task to complete');
    const rows = await tasksOfKey();
    expect(most).toBe(1);
    // Several windows: tasks finished while the producers were adding.
    expect(rows.length).toBeGreaterThan(1);
    // Each task was made by exactly one add; every other add got a task that existed.
    const ids = new Set(rows.map((row) => row.id));
    expect(refs.filter((ref) => !ref.deduplicated).map((ref) => ref.id).sort()).toEqual([...ids].sort());
    expect(refs.filter((ref) => !ids.has(ref.id))).toEqual([]);
    await worker.close();
  });

  it('debounce while a worker claims: one waiting task at a time, and a task that started is never changed', async () => {
    const worker = track(await startTestApp({ url: db().url, providers: [RaceTasks], worker: { pollIntervalMs: 200 } }));
    const adding = race({ debounce: { key: 'race:claimed', delayMs: 0 } }, 250);
    const most = await mostAtOnce(adding, `state IN ('scheduled', 'pending') AND attempts = 0`);
    const refs = await adding;
    await waitFor(async () => (await tasksOfKey()).every((row) => row.state === 'completed'), 20_000, 'every task to complete');
    const rows = await tasksOfKey();
    expect(most).toBe(1);
    expect(rows.length).toBeGreaterThan(1);
    // What each run received is what its row holds: nothing moved it after its claim.
    const ranWith = new Map(raceRuns.map((run) => [run.id, run.args]));
    expect(raceRuns).toHaveLength(rows.length);
    expect(rows.filter((row) => JSON.stringify(ranWith.get(row.id)) !== JSON.stringify(row.args))).toEqual([]);
    expect(refs.filter((ref) => !ref.deduplicated)).toHaveLength(rows.length);
    await worker.close();
  });
});
