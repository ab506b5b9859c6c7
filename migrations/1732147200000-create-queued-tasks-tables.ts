import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_SCHEMA } from '../lib/queued-tasks.constants.js';
import { quoteIdentifier } from '../lib/persistence/quote-identifier.js';

/**
 * The tasks table and the worker registry.
 *
 * Written with IF NOT EXISTS so that it is harmless to apply both through the
 * module's `migrationsRun` and through the application's own migration list.
 * Released migrations are never edited: later changes come as new files.
 */
export class CreateQueuedTasksTables1732147200000 implements MigrationInterface {
  name = 'CreateQueuedTasksTables1732147200000';

  constructor(private readonly schema: string = DEFAULT_SCHEMA) {}

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS ${s}.tasks (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name         text        NOT NULL,
        queue        text        NOT NULL DEFAULT 'default',
        state        text        NOT NULL DEFAULT 'pending'
                     CONSTRAINT tasks_state_check CHECK (state IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
        args         jsonb       NOT NULL DEFAULT '[]',
        result       jsonb,
        errors       jsonb       NOT NULL DEFAULT '[]',
        priority     integer     NOT NULL DEFAULT 0,
        run_at       timestamptz NOT NULL DEFAULT now(),
        attempts     integer     NOT NULL DEFAULT 0,
        max_attempts integer     NOT NULL DEFAULT 3 CONSTRAINT tasks_max_attempts_check CHECK (max_attempts >= 1),
        backoff      jsonb,
        timeout_ms   integer,
        worker_id    uuid,
        created_at   timestamptz NOT NULL DEFAULT now(),
        started_at   timestamptz,
        finished_at  timestamptz
      )`);
    // Exactly the claim's WHERE and ORDER BY, and only over pending rows, so
    // millions of finished rows never enter the index workers read.
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS tasks_claim_idx ON ${s}.tasks (priority DESC, run_at, id) WHERE state = 'pending'`,
    );
    // Earliest future run time, for the wake-up timer of idle workers.
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS tasks_due_idx ON ${s}.tasks (run_at) WHERE state = 'pending'`);
    // Rescue looks only at running tasks and their worker.
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS tasks_running_worker_idx ON ${s}.tasks (worker_id) WHERE state = 'running'`,
    );
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS ${s}.workers (
        id           uuid        PRIMARY KEY,
        hostname     text        NOT NULL,
        pid          integer     NOT NULL,
        queues       text[],
        concurrency  integer     NOT NULL,
        started_at   timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}.workers`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}.tasks`);
  }
}
