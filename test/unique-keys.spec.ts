/**
 * Unique, debounce and throttle keys against a real PostgreSQL: each scope
 * and its window (a retry of the key holder included), a debounce of five
 * calls running once with the last arguments after the last delay, throttle
 * periods, keys inside `addMany`, and bad keyed input writing nothing.
 * The concurrency of many producers in two processes is in
 * unique-keys-race.spec.ts.
 */
import { Injectable } from '@nestjs/common';
import { InvalidTaskOptionsError, QueuedTask, TaskQueue, TaskSerializationError, currentTask } from '../lib/index.js';
import { installRefuseArgsTrigger } from './support/refuse-poison-trigger.js';
import { byAnyName } from './support/by-any-name.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { sleep, waitFor } from './support/wait-for.js';

interface Run {
  id: string;
  name: string;
  args: unknown[];
  attempt: number;
  at: number;
}
const runs: Run[] = [];
/** Gated runs wait here until the test opens their gate. */
const gates = new Map<string, () => void>();

function record(args: unknown[]): void {
  const task = currentTask()!;
  runs.push({ id: task.id, name: task.name, args, attempt: task.attempt, at: Date.now() });
}

@Injectable()
class Digest {
  @QueuedTask({ name: 'digest.send' })
  async send(user: string, n = 0): Promise<string> {
    record([user, n]);
    return user;
  }

  @QueuedTask({ name: 'digest.other' })
  async other(user: string): Promise<string> {
    record([user]);
    return user;
  }

  /** Fails its first attempt when told to (retried after 400 ms), then runs until its gate opens. */
  @QueuedTask({ name: 'digest.gated', maxAttempts: 3, backoff: { type: 'fixed', delayMs: 400, jitter: false } })
  async gated(label: string, failFirst: boolean): Promise<string> {
    record([label, failFirst]);
    if (failFirst && currentTask()!.attempt === 1) throw new Error('the first attempt fails');
    await new Promise<void>((resolve) => gates.set(label, resolve));
    return label;
  }
}

const open = async (label: string) => (await waitFor(() => gates.get(label), 10_000, `the gated run of ${label}`))();

describe('unique, debounce and throttle keys', () => {
  const { db, track } = useTestDatabase();
  /** With `pollIntervalMs` long, only wake-ups and timers start tasks on time. */
  const app = async (worker: boolean, pollIntervalMs = 200) =>
    track(
      await startTestApp({
        url: db().url,
        providers: [Digest],
        worker: worker ? { pollIntervalMs, shutdownTimeoutMs: 2_000 } : { enabled: false },
      }),
    ).get(TaskQueue);
  const rowsOf = (key: string) =>
    db().query<{ id: string; state: string; args: unknown[]; unique_key: string | null }>(
      `SELECT t.id::text, t.state, t.args, t.unique_key FROM queued_tasks.tasks t WHERE t.unique_key = $1 OR t.args->>0 = $1 ORDER BY t.id`,
      [key],
    );
  const state = async (id: string) => (await db().query<{ state: string }>(`SELECT state FROM queued_tasks.tasks WHERE id = $1`, [id]))[0]!.state;

  beforeEach(async () => {
    runs.length = 0;
    await db().query(`DELETE FROM queued_tasks.tasks`);
  });
  afterEach(() => {
    for (const release of gates.values()) release();
    gates.clear();
  });

  it('returns the holder of a unique key instead of a second task, per task name and kind', async () => {
    const tasks = await app(false);
    const r1 = await tasks.add(Digest, 'send', ['u1'], { unique: { key: 'digest:u1' } });
    const r2 = await tasks.add(Digest, 'send', ['u1', 2], { unique: { key: 'digest:u1' }, priority: 9 });
    expect(r1.deduplicated).toBe(false);
    expect(r2.id).toBe(r1.id);
    expect(r2.deduplicated).toBe(true);
    expect(r2.name).toBe('digest.send');
    // The holder is untouched by the duplicate.
    expect(await tasks.get(r1.id)).toMatchObject({ args: ['u1'], priority: 0, state: 'pending' });
    // Another task name, another kind, another key: other tasks.
    const other = await tasks.add(Digest, 'other', ['u1'], { unique: { key: 'digest:u1' } });
    const throttled = await tasks.add(Digest, 'send', ['u1'], { throttle: { key: 'digest:u1', periodMs: 60_000 } });
    const key2 = await tasks.add(Digest, 'send', ['u1'], { unique: { key: 'digest:u2' } });
    const plain = await tasks.add(Digest, 'send', ['u1']);
    const ids = [r1.id, other.id, throttled.id, key2.id, plain.id];
    expect(new Set(ids).size).toBe(5);
    expect([other, throttled, key2, plain].map((ref) => ref.deduplicated)).toEqual([false, false, false, false]);
    // A ref obtained later is not a deduplicated one.
    expect((await tasks.ref(r1.id)).deduplicated).toBe(false);
    // A key that SQL would choke on is only a key.
    const hostile = "'; DROP TABLE queued_tasks.tasks; --";
    const h1 = await tasks.add(Digest, 'send', ['h'], { unique: { key: hostile } });
    const h2 = await tasks.add(Digest, 'send', ['h'], { unique: { key: hostile } });
    expect([h2.id, h2.deduplicated]).toEqual([h1.id, true]);
  });

  it("scope 'active': the key is held through a retry and while running, and free once the task finished", async () => {
    const tasks = await app(true);
    const key = { unique: { key: 'gated:retry' } };
    const first = await tasks.add(Digest, 'gated', ['retry', true], key);
    // The first attempt failed: the task waits out its backoff, still holding its key.
    await waitFor(async () => (await tasks.get(first.id)).errors.length === 1, 10_000, 'the first attempt to fail');
    expect(await state(first.id)).toBe('scheduled');
    const duringRetry = await tasks.add(Digest, 'gated', ['retry', true], key);
    expect([duringRetry.id, duringRetry.deduplicated]).toEqual([first.id, true]);
    // The retry runs (held open by its gate): still the holder.
    await waitFor(() => gates.get('retry'), 10_000, 'the retry to run');
    expect(await state(first.id)).toBe('running');
    const whileRunning = await tasks.add(Digest, 'gated', ['retry', true], key);
    expect([whileRunning.id, whileRunning.deduplicated]).toEqual([first.id, true]);
    await open('retry');
    expect(await first.result({ timeoutMs: 10_000 })).toBe('retry');
    // Finished: the next add makes a new task.
    gates.delete('retry');
    const after = await tasks.add(Digest, 'gated', ['retry', false], key);
    expect(after.id).not.toBe(first.id);
    expect(after.deduplicated).toBe(false);
    await open('retry');
    await after.result({ timeoutMs: 10_000 });
    expect(runs.map((run) => [run.id, run.attempt])).toEqual([
      [first.id, 1],
      [first.id, 2],
      [after.id, 1],
    ]);
  });

  it("scope 'any': a finished task holds its key until ttlMs after it was added, and a running one past it", async () => {
    const tasks = await app(true);
    const ttl = { unique: { key: 'any:1', scope: 'any', ttlMs: 1_500 } } as const;
    const first = await tasks.add(Digest, 'send', ['any-1'], ttl);
    const added = Date.now();
    await first.result({ timeoutMs: 10_000 });
    const whileFinished = await tasks.add(Digest, 'send', ['any-1'], ttl);
    expect([whileFinished.id, whileFinished.deduplicated]).toEqual([first.id, true]);
    expect(Date.now() - added).toBeLessThan(1_500);
    await sleep(1_600 - (Date.now() - added));
    const afterTtl = await tasks.add(Digest, 'send', ['any-1'], ttl);
    expect(afterTtl.id).not.toBe(first.id);
    expect(afterTtl.deduplicated).toBe(false);
    // The lapsed holder was released: it left the key's index.
    expect((await rowsOf('any-1')).map((row) => [row.id, row.unique_key])).toEqual([
      [first.id, null],
      [afterTtl.id, 'any:1'],
    ]);
    await afterTtl.result({ timeoutMs: 10_000 });

    // An active task holds its key after its ttl too.
    const short = { unique: { key: 'any:2', scope: 'any', ttlMs: 100 } } as const;
    const running = await tasks.add(Digest, 'gated', ['any-2', false], short);
    await waitFor(() => gates.get('any-2'), 10_000, 'the gated run');
    await sleep(300);
    const pastTtl = await tasks.add(Digest, 'gated', ['any-2', false], short);
    expect([pastTtl.id, pastTtl.deduplicated]).toEqual([running.id, true]);
    await open('any-2');
    await running.result({ timeoutMs: 10_000 });
    // Finished and past its ttl: free.
    const free = await tasks.add(Digest, 'send', ['any-2'], { unique: { key: 'any:2', scope: 'any', ttlMs: 100 } });
    expect(free.deduplicated).toBe(false);
  });

  it('throttle: one task per period from the accepted add, whatever its state; extra calls get its ref', async () => {
    const tasks = await app(false);
    const throttle = { throttle: { key: 'report', periodMs: 1_000 } };
    const first = await tasks.add(Digest, 'send', ['t'], throttle);
    const added = Date.now();
    const extra = await Promise.all([1, 2, 3].map((n) => tasks.add(Digest, 'send', ['t', n], throttle)));
    expect(extra.map((ref) => [ref.id, ref.deduplicated])).toEqual([1, 2, 3].map(() => [first.id, true]));
    // Finished within its period: it still holds the key (finished here by hand; no worker runs in this app).
    await db().query(`UPDATE queued_tasks.tasks SET state = 'completed', finished_at = now() WHERE id = $1`, [first.id]);
    const afterFinish = await tasks.add(Digest, 'send', ['t'], throttle);
    expect([afterFinish.id, afterFinish.deduplicated]).toEqual([first.id, true]);
    await sleep(1_100 - (Date.now() - added));
    const second = await tasks.add(Digest, 'send', ['t', 4], throttle);
    expect(second.deduplicated).toBe(false);
    // The next period is the second task's, even while it waits to run.
    await sleep(200);
    const third = await tasks.add(Digest, 'send', ['t', 5], throttle);
    expect([third.id, third.deduplicated]).toEqual([second.id, true]);
    await sleep(1_000);
    const fourth = await tasks.add(Digest, 'send', ['t', 6], throttle);
    expect(fourth.deduplicated).toBe(false);
    // A period that ended frees the key even from a task still pending.
    expect((await rowsOf('t')).map((row) => [row.args, row.state])).toEqual([
      [['t'], 'completed'],
      [['t', 4], 'pending'],
      [['t', 6], 'pending'],
    ]);
  });

  it('debounce: five calls make one run, with the last arguments, after the last delay', async () => {
    // No poll: the worker's timer, armed for the first run time, finds nothing due then and re-arms from the database.
    const tasks = await app(true, 60_000);
    const refs = [];
    let lastCall = 0;
    for (let n = 1; n <= 5; n++) {
      lastCall = Date.now();
      refs.push(await tasks.add(Digest, 'send', ['deb', n], { debounce: { key: 'deb', delayMs: 600 } }));
      if (n < 5) await sleep(150);
    }
    expect(new Set(refs.map((ref) => ref.id)).size).toBe(1);
    expect(refs.map((ref) => ref.deduplicated)).toEqual([false, true, true, true, true]);
    expect(await refs[0]!.result({ timeoutMs: 10_000 })).toBe('deb');
    await sleep(300);
    expect(runs.map((run) => run.args)).toEqual([['deb', 5]]);
    // Not before the last call's delay (the run time is the database's; a few ms of clock skew allowed).
    expect(runs[0]!.at - lastCall).toBeGreaterThanOrEqual(590);
    // Once it started, the next call makes a new task.
    const next = await tasks.add(Digest, 'send', ['deb', 6], { debounce: { key: 'deb', delayMs: 0 } });
    expect(next.deduplicated).toBe(false);
    expect(next.id).not.toBe(refs[0]!.id);
    await next.result({ timeoutMs: 10_000 });
  });

  it('debounce: a running task is never modified; the call makes a new task', async () => {
    const tasks = await app(true);
    const first = await tasks.add(Digest, 'gated', ['deb-run', false], { debounce: { key: 'deb-run', delayMs: 0 } });
    await waitFor(() => gates.get('deb-run'), 10_000, 'the gated run');
    const second = await tasks.add(Digest, 'gated', ['deb-run-2', false], { debounce: { key: 'deb-run', delayMs: 0 } });
    expect(second.deduplicated).toBe(false);
    expect((await tasks.get(first.id)).args).toEqual(['deb-run', false]);
    // The new task is the one later calls move now.
    const third = await tasks.add(Digest, 'gated', ['deb-run-3', false], { debounce: { key: 'deb-run', delayMs: 0 } });
    if (third.deduplicated) expect(third.id).toBe(second.id);
    await open('deb-run');
    await first.result({ timeoutMs: 10_000 });
    const last = third.deduplicated ? 'deb-run-3' : 'deb-run-2';
    await open(last);
    if (!third.deduplicated) await open('deb-run-3');
    await third.result({ timeoutMs: 10_000 });
  });

  it('debounce moved to an earlier run time wakes the worker for it', async () => {
    const tasks = await app(true, 60_000);
    const first = await tasks.add(Digest, 'send', ['soon', 1], { debounce: { key: 'soon', delayMs: 30_000 } });
    await sleep(200);
    const moved = await tasks.add(Digest, 'send', ['soon', 2], { debounce: { key: 'soon', delayMs: 0 } });
    expect([moved.id, moved.deduplicated]).toEqual([first.id, true]);
    const started = Date.now();
    await first.result({ timeoutMs: 5_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(runs.map((run) => run.args)).toEqual([['soon', 2]]);
  });

  it('debounce moves a pending task to its new, later run time', async () => {
    const tasks = await app(false);
    const first = await tasks.add(Digest, 'send', ['move'], { debounce: { key: 'move', delayMs: 0 } });
    expect(await state(first.id)).toBe('pending');
    const moved = await tasks.add(Digest, 'send', ['move', 2], { debounce: { key: 'move', delayMs: 60_000 } });
    expect(moved.id).toBe(first.id);
    const info = await tasks.get(first.id);
    expect(info).toMatchObject({ state: 'scheduled', args: ['move', 2] });
    expect(info.runAt.getTime() - Date.now()).toBeGreaterThan(55_000);
  });

  it('keys work per item in addMany, against the stored tasks and earlier items of the batch', async () => {
    const tasks = await app(false);
    const held = await tasks.add(Digest, 'send', ['m0'], { unique: { key: 'many:held' } });
    const refs = await byAnyName(tasks).addMany([
      { target: Digest, method: 'send', args: ['m1'], options: { unique: { key: 'many:a' } } },
      { name: 'digest.send', args: ['m2'] },
      { name: 'digest.send', args: ['m3'], options: { unique: { key: 'many:a' } } },
      { name: 'digest.send', args: ['m4'], options: { unique: { key: 'many:held' } } },
      { name: 'digest.send', args: ['m5'], options: { debounce: { key: 'many:d', delayMs: 1_000 } } },
      { name: 'digest.send', args: ['m6'], options: { debounce: { key: 'many:d', delayMs: 2_000 } } },
      { name: 'digest.send', args: ['m7'], options: { throttle: { key: 'many:t', periodMs: 60_000 } } },
      { name: 'digest.send', args: ['m8'] },
    ]);
    expect(refs.map((ref) => ref.deduplicated)).toEqual([false, false, true, true, false, true, false, false]);
    expect(refs[2]!.id).toBe(refs[0]!.id);
    expect(refs[3]!.id).toBe(held.id);
    expect(refs[5]!.id).toBe(refs[4]!.id);
    // Written in the order of the requests; the debounced task has the last arguments.
    const written = [0, 1, 4, 6, 7].map((i) => refs[i]!.id);
    expect([...written].sort((a, b) => Number(a) - Number(b))).toEqual(written);
    expect((await tasks.get(refs[4]!.id)).args).toEqual(['m6']);
    const [count] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM queued_tasks.tasks WHERE args->>0 LIKE 'm%'`);
    expect(count!.n).toBe(6);
  });

  it('a keyed batch is written whole or not at all', async () => {
    const tasks = await app(false);
    const removeTrigger = await installRefuseArgsTrigger(db());
    try {
      await expect(
        byAnyName(tasks).addMany([
          { name: 'digest.send', args: ['whole-1'], options: { unique: { key: 'whole' } } },
          { name: 'digest.send', args: ['refuse-as-value'] },
        ]),
      ).rejects.toThrow(TaskSerializationError);
      await expect(tasks.add(Digest, 'send', ['refuse-as-value'], { unique: { key: 'whole-2' } })).rejects.toThrow(TaskSerializationError);
    } finally {
      await removeTrigger();
    }
    expect(await db().query(`SELECT id FROM queued_tasks.tasks WHERE unique_key LIKE 'whole%'`)).toEqual([]);
    // The key was never taken.
    const ref = await tasks.add(Digest, 'send', ['whole-1'], { unique: { key: 'whole' } });
    expect(ref.deduplicated).toBe(false);
  });

  it('refuses bad keyed input with InvalidTaskOptionsError and writes nothing', async () => {
    const tasks = await app(false);
    const [before] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM queued_tasks.tasks`);
    const bad: object[] = [
      { unique: { key: 'a' }, debounce: { key: 'a', delayMs: 5 } },
      { unique: { key: 'a' }, throttle: { key: 'a', periodMs: 5 } },
      { unique: { key: 'a', scope: 'any', ttlMs: -1 } },
      { unique: { key: 'x'.repeat(256) } },
      { unique: { key: 'nul\u0000' } },
      { throttle: { key: 'a', periodMs: -5 } },
    ];
    for (const options of bad) {
      await expect(tasks.add(Digest, 'send', ['bad'], options)).rejects.toThrow(InvalidTaskOptionsError);
    }
    await expect(
      byAnyName(tasks).addMany([
        { name: 'digest.send', args: ['bad'], options: { unique: { key: 'fine' } } },
        { name: 'digest.send', args: ['bad'], options: { unique: { key: 'a', scope: 'any', ttlMs: -1 } } },
      ]),
    ).rejects.toThrow('Invalid task option "unique.ttlMs" in requests[1].options');
    const [after] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM queued_tasks.tasks`);
    expect(after!.n).toBe(before!.n);
  });
});
