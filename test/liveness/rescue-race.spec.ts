import pg from 'pg';
import { queueTables } from '../../lib/persistence/queue-tables.js';
import { rescueOrphanedTasksStatement } from '../../lib/persistence/sql/rescue-orphaned-tasks.sql.js';
import { useTestDatabase } from '../support/suite.js';
import { sleep } from '../support/wait-for.js';

const DEAD = '00000000-0000-0000-0000-00000000000d';
const LIVE = '00000000-0000-0000-0000-0000000000a2';

describe('the rescue statement racing with a new worker', () => {
  const { db } = useTestDatabase();

  // Found in review: rechecking a re-claimed row against the statement's old snapshot of the registry took it from a live worker.
  it('never takes a task that a worker registered after the rescue began has just claimed', async () => {
    await db().query(
      `INSERT INTO queued_tasks.workers (id, hostname, pid, concurrency, lease_ms, lease_expires_at, heartbeat_at)
       VALUES ($1, 'h', 1, 1, 1000, now() - interval '1 hour', now() - interval '1 hour')`,
      [DEAD],
    );
    const [{ id }] = await db().query<{ id: string }>(
      `INSERT INTO queued_tasks.tasks (name, state, worker_id, attempts, started_at) VALUES ('t', 'running', $1, 1, now()) RETURNING id::text`,
      [DEAD],
    );
    const clients = await Promise.all(
      [1, 2, 3].map(async () => {
        const client = new pg.Client({ connectionString: db().url });
        await client.connect();
        return client;
      }),
    );
    const [locker, rescuer, other] = clients;
    try {
      // Holding the dead worker's registry row makes the rescue wait after it took its snapshot.
      await locker!.query('BEGIN');
      await locker!.query(`SELECT 1 FROM queued_tasks.workers WHERE id = $1 FOR UPDATE`, [DEAD]);
      const statement = rescueOrphanedTasksStatement(queueTables('queued_tasks'));
      const rescue = rescuer!.query({ text: statement.text, values: ['qt_race', 5] });
      await sleep(300);
      // Meanwhile the task goes back to pending, a new worker registers and claims it.
      await other!.query(`UPDATE queued_tasks.tasks SET state = 'pending', attempts = 0, worker_id = NULL, started_at = NULL WHERE id = $1`, [id]);
      await other!.query(
        `INSERT INTO queued_tasks.workers (id, hostname, pid, concurrency, lease_ms, lease_expires_at) VALUES ($1, 'h', 2, 1, 60000, now() + interval '60 seconds')`,
        [LIVE],
      );
      await other!.query(`UPDATE queued_tasks.tasks SET state = 'running', worker_id = $2, attempts = 1 WHERE id = $1`, [id, LIVE]);
      await locker!.query('COMMIT');
      await rescue;
      const [row] = await db().query(`SELECT state, worker_id, attempts, rescues FROM queued_tasks.tasks WHERE id = $1`, [id]);
      expect(row).toEqual({ state: 'running', worker_id: LIVE, attempts: 1, rescues: 0 });
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });
});
