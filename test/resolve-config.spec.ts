import { resolveConfig } from '../lib/config/resolve-config.js';
import { InvalidModuleOptionsError } from '../lib/index.js';

const connection = { url: 'postgres://localhost/unused' };

describe('module options: liveness defaults and limits (no database)', () => {
  it('derives renewals, rescue pace and timeouts from the lease', () => {
    const { worker, connectTimeoutMs } = resolveConfig({ connection });
    expect(worker).toMatchObject({
      leaseMs: 30_000,
      heartbeatIntervalMs: 3_000,
      rescueIntervalMs: 5_000,
      maxRescues: 5,
      statementTimeoutMs: 15_000,
    });
    expect(connectTimeoutMs).toBe(10_000);
    expect(resolveConfig({ connection, worker: { leaseMs: 2_000 } }).worker).toMatchObject({
      heartbeatIntervalMs: 200,
      rescueIntervalMs: 1_000,
    });
  });

  // Found in review: renewals every 0.9 of the lease fenced a healthy worker (fencing happens at 0.8).
  it('refuses renewals less often than a third of the lease', () => {
    expect(() => resolveConfig({ connection, worker: { leaseMs: 1_000, heartbeatIntervalMs: 900 } })).toThrow(InvalidModuleOptionsError);
    expect(() => resolveConfig({ connection, worker: { leaseMs: 1_000, heartbeatIntervalMs: 334 } })).toThrow(/at most a third/);
    expect(resolveConfig({ connection, worker: { leaseMs: 1_000, heartbeatIntervalMs: 333 } }).worker.heartbeatIntervalMs).toBe(333);
  });

  it('refuses liveness settings it cannot run with', () => {
    for (const worker of [{ maxRescues: 0 }, { statementTimeoutMs: 50 }, { leaseMs: 99 }]) {
      expect(() => resolveConfig({ connection, worker })).toThrow(InvalidModuleOptionsError);
    }
    expect(() => resolveConfig({ connection: { ...connection, connectTimeoutMs: 0 } })).toThrow(InvalidModuleOptionsError);
  });
});

describe('module options: worker.queues shapes (no database)', () => {
  it('resolves every queue, a shared list, and per-queue slots into slot pools', () => {
    expect(resolveConfig({ connection, worker: { concurrency: 4 } }).worker).toMatchObject({
      concurrency: 4,
      queues: null,
      slotPools: [{ concurrency: 4, queues: [null] }],
    });
    expect(resolveConfig({ connection, worker: { concurrency: 4, queues: ['mail', 'reports', 'mail'] } }).worker).toMatchObject({
      concurrency: 4,
      queues: ['mail', 'reports'],
      slotPools: [{ concurrency: 4, queues: ['mail', 'reports'] }],
    });
    expect(resolveConfig({ connection, worker: { concurrency: 3, queues: { mail: { concurrency: 5 }, reports: {} } } }).worker).toMatchObject({
      concurrency: 8,
      queues: ['mail', 'reports'],
      slotPools: [
        { concurrency: 5, queues: ['mail'] },
        { concurrency: 3, queues: ['reports'] },
      ],
    });
  });

  it('refuses queue names no queue can have, and per-queue concurrency that is not a positive integer', () => {
    expect(() => resolveConfig({ connection, worker: { queues: ['mail', 'bad name'] } })).toThrow(/worker\.queues\[1\] is not a valid queue name/);
    expect(() => resolveConfig({ connection, worker: { queues: ['x'.repeat(101)] } })).toThrow(InvalidModuleOptionsError);
    expect(() => resolveConfig({ connection, worker: { queues: { 'a/b': {} } } })).toThrow(InvalidModuleOptionsError);
    expect(() => resolveConfig({ connection, worker: { queues: { mail: { concurrency: 0 } } } })).toThrow(/worker\.queues\.mail\.concurrency/);
    expect(resolveConfig({ connection, worker: { queues: ['a.b:c-d_9'] } }).worker.queues).toEqual(['a.b:c-d_9']);
  });
});
