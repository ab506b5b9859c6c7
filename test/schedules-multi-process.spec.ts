/**
 * Schedules across processes (issue 11): three instances of one application
 * declare the same schedule of a slot a second. Each slot becomes exactly
 * one task (the database's compare-and-set decides, whatever the instances
 * do), with no slot left out; SIGKILLing the leader loses no slot and
 * doubles none (the slots that fell due during the hand-over are within the
 * grace period and fire late, each once). Then every instance stops (an
 * outage), the hourly schedules' last slots are set 10 hours back, and one
 * instance starts: each missed-run policy does what it says.
 */
import { useTestDatabase } from './support/suite.js';
import { startScheduleProcess, type ScheduleProcess } from './support/schedule-process.js';
import { waitFor } from './support/wait-for.js';

const HOUR = 3_600_000;

describe('schedules across processes', () => {
  const children: ScheduleProcess[] = [];
  // Before the suite's own afterEach (hooks run in the order they were added), whose leak check must find them gone.
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.stop()));
  });
  const { db } = useTestDatabase();

  /** run_at of every task of schedule `key`, oldest first, as epoch ms. */
  const slots = async (key: string) =>
    (await db().query<{ run_at: Date }>(`SELECT run_at FROM queued_tasks.tasks WHERE metadata->>'schedule' = $1 ORDER BY run_at, id`, [key])).map((r) =>
      r.run_at.getTime(),
    );
  const leaderPid = async () => {
    const [row] = await db().query<{ name: string }>(
      `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database() AND a.application_name LIKE 'sched-%:control'`,
    );
    return row ? Number(/^sched-(\d+):control$/.exec(row.name)![1]) : undefined;
  };
  /** Every slot once, none left out: consecutive seconds. */
  const expectEverySecondOnce = (fired: number[]) => {
    expect(fired.length).toBeGreaterThan(0);
    expect(fired.map((t, i) => t - fired[0]!)).toEqual(fired.map((_, i) => i * 1_000));
  };

  it('fires each slot once across three instances, through a SIGKILLed leader and an outage', async () => {
    children.push(...(await Promise.all([1, 2, 3].map(() => startScheduleProcess(db().url)))));
    const allUp = Date.now();
    await waitFor(async () => (await slots('sched.tick')).filter((t) => t > allUp).length >= 10, 20_000, '10 slots with three instances up');
    expectEverySecondOnce(await slots('sched.tick'));

    const leader = await waitFor(leaderPid, 2_000, 'a leader');
    const victim = children.find((child) => child.pid === leader)!;
    children.splice(children.indexOf(victim), 1);
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(async () => (await slots('sched.tick')).filter((t) => t > killedAt).length >= 3, 10_000, '3 slots after the kill');
    expect(await leaderPid()).not.toBe(leader);
    expectEverySecondOnce(await slots('sched.tick'));

    // Every instance stops: an outage. Then the hourly schedules' last slot goes 10 hours back.
    await Promise.all(children.splice(0).map((child) => child.stop()));
    const [{ now }] = (await db().query<{ now: Date }>(`UPDATE queued_tasks.schedules SET last_slot = now() - interval '10 hours' WHERE key LIKE 'missed.%' RETURNING now()`)) as [{ now: Date }];
    const downFor = Date.now();
    children.push(await startScheduleProcess(db().url));
    // One pass fires them all, one schedule after the other: wait for the last of them (then for more than expected, if any).
    const counts = { 'missed.once': 1, 'missed.all': 3, 'missed.grace': 3 };
    for (const [key, count] of Object.entries(counts)) await waitFor(async () => (await slots(key)).length >= count, 10_000, `${count} run(s) of ${key}`);
    await waitFor(async () => (await slots('sched.tick')).at(-1)! > downFor + 1_000, 5_000, 'the tick schedule to go on');

    const latestHour = Math.floor(now.getTime() / HOUR) * HOUR;
    expect(await slots('missed.skip')).toEqual([]);
    expect(await slots('missed.once')).toEqual([latestHour]);
    expect(await slots('missed.all')).toEqual([latestHour - 2 * HOUR, latestHour - HOUR, latestHour]);
    // Within its 3-hour grace, every slot runs whatever `missed` says.
    expect(await slots('missed.grace')).toEqual([latestHour - 2 * HOUR, latestHour - HOUR, latestHour]);
    const [skipped] = await db().query<{ last_slot: Date }>(`SELECT last_slot FROM queued_tasks.schedules WHERE key = 'missed.skip'`);
    expect(skipped!.last_slot.getTime()).toBe(latestHour);
    // The outage of the tick schedule was shorter than its grace: caught up, each slot once.
    expectEverySecondOnce(await slots('sched.tick'));
  });
});
