import { retryDelayMs } from '../lib/worker/retry-delay.js';

describe('retryDelayMs', () => {
  const noJitter = { jitter: false } as const;

  it('waits the same delay every time with a fixed backoff', () => {
    expect([1, 2, 5].map((attempt) => retryDelayMs({ type: 'fixed', delayMs: 250, ...noJitter }, attempt))).toEqual([250, 250, 250]);
  });

  it('doubles an exponential backoff and caps it', () => {
    const backoff = { type: 'exponential', delayMs: 100, maxDelayMs: 1_000, ...noJitter } as const;
    expect([1, 2, 3, 4, 5, 30].map((attempt) => retryDelayMs(backoff, attempt))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('draws jitter from [delay / 2, delay]', () => {
    const backoff = { type: 'fixed', delayMs: 1_000 } as const;
    expect(retryDelayMs(backoff, 1, () => 0)).toBe(500);
    expect(retryDelayMs(backoff, 1, () => 0.999_999)).toBe(1_000);
  });

  it('uses the default backoff (exponential from 1 s, jittered) when a task has none', () => {
    expect(retryDelayMs(null, 1, () => 1)).toBe(1_000);
    expect(retryDelayMs(null, 3, () => 1)).toBe(4_000);
  });
});
