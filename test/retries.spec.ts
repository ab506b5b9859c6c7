import { Injectable } from '@nestjs/common';
import { NonRetryableError, QueuedTask, TaskFailedError, TaskQueue, currentTask } from '../lib/index.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';

@Injectable()
class Flaky {
  readonly starts = new Map<string, number[]>();

  private record(): void {
    const { id } = currentTask()!;
    this.starts.set(id, [...(this.starts.get(id) ?? []), Date.now()]);
  }

  @QueuedTask({ name: 'flaky.fixed', maxAttempts: 3, backoff: { type: 'fixed', delayMs: 300, jitter: false } })
  async fixed(succeedOnAttempt: number): Promise<string> {
    this.record();
    if (currentTask()!.attempt < succeedOnAttempt) throw new Error(`attempt ${currentTask()!.attempt} failed`);
    return 'ok';
  }

  @QueuedTask({ name: 'flaky.exponential', maxAttempts: 4, backoff: { type: 'exponential', delayMs: 200, jitter: false } })
  async exponential(): Promise<never> {
    this.record();
    throw new TypeError(`broken on attempt ${currentTask()!.attempt}`);
  }

  @QueuedTask({ name: 'flaky.fatal', maxAttempts: 5 })
  async fatal(): Promise<never> {
    this.record();
    throw new NonRetryableError('cannot ever work');
  }

  @QueuedTask({ name: 'flaky.slow', maxAttempts: 2, timeoutMs: 200, backoff: { type: 'fixed', delayMs: 50 } })
  async slow(): Promise<string> {
    this.record();
    const { signal } = currentTask()!;
    await new Promise((resolve) => setTimeout(resolve, 5_000, undefined).unref());
    return signal.aborted ? 'aborted' : 'finished';
  }

  @QueuedTask({ name: 'flaky.throws-string', maxAttempts: 1 })
  async throwsString(): Promise<never> {
    throw 'plain string';
  }
}

describe('retries', () => {
  const { db, track } = useTestDatabase();

  async function app() {
    return track(await startTestApp({ url: db().url, providers: [Flaky] }));
  }

  it('retries with a fixed backoff until an attempt succeeds, keeping each failed attempt', async () => {
    const nest = await app();
    const ref = await nest.get(TaskQueue).add(Flaky, 'fixed', [3]);
    expect(await ref.result({ timeoutMs: 10_000 })).toBe('ok');
    const starts = nest.get(Flaky).starts.get(ref.id)!;
    expect(starts).toHaveLength(3);
    for (const gap of [starts[1]! - starts[0]!, starts[2]! - starts[1]!]) {
      expect(gap).toBeGreaterThanOrEqual(290);
      expect(gap).toBeLessThan(300 + 400);
    }
    const info = await ref.info();
    expect(info.state).toBe('completed');
    expect(info.attempts).toBe(3);
    expect(info.errors.map((e) => [e.attempt, e.name, e.message])).toEqual([
      [1, 'Error', 'attempt 1 failed'],
      [2, 'Error', 'attempt 2 failed'],
    ]);
    expect(info.errors[0]!.stack).toContain('attempt 1 failed');
  });

  it('doubles an exponential backoff and ends failed when attempts are used up', async () => {
    const nest = await app();
    const ref = await nest.get(TaskQueue).add(Flaky, 'exponential', []);
    const failure = await ref.result({ timeoutMs: 10_000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TaskFailedError);
    expect((failure as TaskFailedError).errors).toHaveLength(4);
    expect((failure as TaskFailedError).message).toContain('broken on attempt 4');
    const starts = nest.get(Flaky).starts.get(ref.id)!;
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    [200, 400, 800].forEach((expected, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(expected - 10);
      expect(gaps[i]).toBeLessThan(expected + 400);
    });
    const info = await ref.info();
    expect(info).toMatchObject({ state: 'failed', attempts: 4 });
    expect(info.errors.map((e) => e.name)).toEqual(['TypeError', 'TypeError', 'TypeError', 'TypeError']);
    expect(info.finishedAt).toBeInstanceOf(Date);
  });

  it('fails at once on NonRetryableError', async () => {
    const nest = await app();
    const ref = await nest.get(TaskQueue).add(Flaky, 'fatal', []);
    await expect(ref.result({ timeoutMs: 10_000 })).rejects.toThrow(TaskFailedError);
    const info = await ref.info();
    expect(info).toMatchObject({ state: 'failed', attempts: 1, maxAttempts: 5 });
    expect(info.errors).toEqual([expect.objectContaining({ attempt: 1, name: 'NonRetryableError', message: 'cannot ever work' })]);
    expect(nest.get(Flaky).starts.get(ref.id)).toHaveLength(1);
  });

  it('aborts an attempt past its timeout, fires its signal and retries it', async () => {
    const nest = await app();
    const ref = await nest.get(TaskQueue).add(Flaky, 'slow', []);
    await expect(ref.result({ timeoutMs: 10_000 })).rejects.toThrow(TaskFailedError);
    const info = await ref.info();
    expect(info.attempts).toBe(2);
    expect(info.errors.map((e) => e.name)).toEqual(['TaskTimeoutError', 'TaskTimeoutError']);
  });

  it('records a thrown non-Error value', async () => {
    const nest = await app();
    const ref = await nest.get(TaskQueue).add(Flaky, 'throwsString', []);
    await expect(ref.result({ timeoutMs: 10_000 })).rejects.toThrow('plain string');
    expect((await ref.info()).errors[0]).toMatchObject({ name: 'NonErrorThrown', message: 'plain string' });
  });
});
