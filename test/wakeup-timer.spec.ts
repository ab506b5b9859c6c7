import { WakeupTimer } from '../lib/worker/wakeup-timer.js';

describe('WakeupTimer', () => {
  it('fires at the earliest time it was armed for', async () => {
    const fired: number[] = [];
    const timer = new WakeupTimer(() => fired.push(Date.now()));
    const start = Date.now();
    timer.armAt(start + 200);
    timer.armAt(start + 60);
    timer.armAt(start + 120); // later than the armed one: ignored
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fired).toHaveLength(1);
    expect(fired[0]! - start).toBeGreaterThanOrEqual(55);
    expect(fired[0]! - start).toBeLessThan(150);
  });

  it('does not fire at once for a run time beyond the 24.8 days a Node timer can wait', async () => {
    let fired = 0;
    const timer = new WakeupTimer(() => fired++);
    timer.armAt(Date.now() + 40 * 24 * 3_600_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fired).toBe(0);
    timer.clear();
  });
});
