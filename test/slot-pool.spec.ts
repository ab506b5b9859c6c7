import { SlotPool } from '../lib/worker/slot-pool.js';

/** A producer with `rows` waiting; each start takes a slot of `pool` and is logged. */
function member(pool: SlotPool, name: string, rows: number, log: string[], wanting = true): { rows: number; wanting: boolean; startOne(): boolean } {
  const m = {
    rows,
    wanting,
    startOne(): boolean {
      if (m.rows === 0) return false;
      m.rows--;
      pool.acquire();
      log.push(name);
      return true;
    },
  };
  pool.join(m);
  return m;
}

describe('slot pool (no database)', () => {
  it('hands free slots to its producers in turn, one row each', () => {
    const pool = new SlotPool(5);
    const log: string[] = [];
    member(pool, 'bulk', 100, log);
    member(pool, 'urgent', 2, log);
    member(pool, 'empty', 0, log);
    pool.fill(() => true);
    expect(log).toEqual(['bulk', 'urgent', 'bulk', 'urgent', 'bulk']);
    expect(pool.free).toBe(0);
    // A freed slot goes to the next producer in turn that has a row waiting.
    pool.release();
    pool.fill(() => true);
    expect(log.slice(5)).toEqual(['bulk']);
  });

  it('stops when nothing waits, and when starting is not allowed', () => {
    const pool = new SlotPool(3);
    const log: string[] = [];
    member(pool, 'a', 1, log);
    pool.fill(() => true);
    expect({ log, free: pool.free }).toEqual({ log: ['a'], free: 2 });
    const closed = new SlotPool(3);
    member(closed, 'b', 5, log);
    closed.fill(() => false);
    expect(closed.free).toBe(3);
  });

  it('shares its slots equally among the producers that want them, rounded up', () => {
    const pool = new SlotPool(10);
    const log: string[] = [];
    const a = member(pool, 'a', 0, log);
    const b = member(pool, 'b', 0, log, false);
    const c = member(pool, 'c', 0, log, false);
    expect(pool.share()).toBe(10);
    b.wanting = true;
    expect(pool.share()).toBe(5);
    c.wanting = true;
    expect(pool.share()).toBe(4);
    a.wanting = b.wanting = c.wanting = false;
    expect(pool.share()).toBe(10);
  });
});
