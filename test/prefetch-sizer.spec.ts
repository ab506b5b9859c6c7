/** Pure unit tests of the claim-ahead sizing: no database. */
import { PrefetchSizer } from '../lib/worker/prefetch-sizer.js';

describe('prefetch sizing', () => {
  it('holds nothing ahead before a task has been measured', () => {
    const sizer = new PrefetchSizer(10, 500);
    sizer.recordClaim(5);
    expect(sizer.target()).toBe(0);
  });

  it('covers two claim round trips of work, up to the bound while claims come back full, half of it otherwise', () => {
    const sizer = new PrefetchSizer(10, 500);
    sizer.recordTask(0.01); // no-op tasks: far more work wanted than any bound
    sizer.recordClaimFill(10, 10);
    expect(sizer.target()).toBe(500);
    // A claim that came back short: no backlog, so no second claim statement beside the first.
    sizer.recordClaimFill(500, 37);
    expect(sizer.target()).toBe(250);
    sizer.recordClaimFill(500, 500);
    expect(sizer.target()).toBe(500);
  });

  it('gives slow tasks no buffer at all', () => {
    const sizer = new PrefetchSizer(10, 500);
    sizer.recordClaim(2);
    sizer.recordTask(1_000);
    sizer.recordClaimFill(10, 10);
    expect(sizer.target()).toBe(0);
  });
});
