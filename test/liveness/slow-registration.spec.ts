/**
 * A worker with a short lease boots on a busy server: its registration is
 * not a renewal and may take longer than a renewal's timeout (a fifth of the
 * lease, 100 ms for a 500 ms lease), which made bootstrap fail under a full
 * test suite's load ("Query read timeout"). The lease still counts from the
 * moment the registration was sent, so the worker is never trusted longer.
 */
import { Injectable } from '@nestjs/common';
import pg from 'pg';
import { QueuedTask, TaskQueue } from '../../lib/index.js';
import { byAnyName } from '../support/by-any-name.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { sleep } from '../support/wait-for.js';

@Injectable()
class Quick {
  @QueuedTask({ name: 'registration.quick' })
  async quick(): Promise<string> {
    return 'ran';
  }
}

describe('worker registration', () => {
  const { db, track } = useTestDatabase();

  it('waits for a slow server at bootstrap, then runs tasks under its 500 ms lease', async () => {
    // Another session holds the workers table for 400 ms, as a busy server would delay the insert.
    const blocker = new pg.Client({ connectionString: db().url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE queued_tasks.workers IN ACCESS EXCLUSIVE MODE');
      const booting = startTestApp({ url: db().url, providers: [Quick], worker: { leaseMs: 500, heartbeatIntervalMs: 100, rescueIntervalMs: 100 } });
      await sleep(400);
      await blocker.query('COMMIT');
      const app = track(await booting);
      const ref = await byAnyName(app.get(TaskQueue)).add('registration.quick', []);
      expect(await ref.result({ timeoutMs: 5_000 })).toBe('ran');
    } finally {
      await blocker.end();
    }
  });
});
