import pg from 'pg';
import { EXECUTIONS_TABLE, type ExecutionOutcome } from './execution-log.js';

/**
 * The worker processes' side of the execution log (see execution-log.ts):
 * a row when a handler starts, its end when it ends. Both writes are retried
 * until they succeed: a missing start would hide a run, a missing end would
 * make a finished run look like one cut short by a kill.
 */
export class ExecutionRecorder {
  private readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: 4,
      application_name: 'qt-faults-log',
      // Visible to readers at commit all the same; only durability across a crash of the log server is given up.
      options: '-c synchronous_commit=off',
    });
    // An idle connection dropping must not crash the worker; the next write reconnects.
    this.pool.on('error', () => undefined);
  }

  /** @returns the row's id, for {@link finished}. */
  started(run: { taskId: string; attempt: number; workerId: string; at: Date }): Promise<number> {
    return this.retry(async () => {
      const { rows } = await this.pool.query<{ id: string }>(
        `INSERT INTO ${EXECUTIONS_TABLE} (task_id, attempt, pid, worker_id, started_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [run.taskId, run.attempt, process.pid, run.workerId, run.at],
      );
      return Number(rows[0]!.id);
    });
  }

  finished(id: number, at: Date, outcome: ExecutionOutcome): Promise<void> {
    return this.retry(async () => {
      await this.pool.query(`UPDATE ${EXECUTIONS_TABLE} SET finished_at = $2, outcome = $3 WHERE id = $1`, [id, at, outcome]);
    });
  }

  end(): Promise<void> {
    return this.pool.end();
  }

  private async retry<T>(write: () => Promise<T>): Promise<T> {
    for (let delay = 20; ; delay = Math.min(delay * 2, 1_000)) {
      try {
        return await write();
      } catch (error) {
        process.stderr.write(`fault-worker ${process.pid}: execution log write failed (${(error as Error).message}); retrying\n`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
