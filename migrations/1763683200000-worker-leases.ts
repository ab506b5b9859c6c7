import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_SCHEMA } from '../lib/queued-tasks.constants.js';
import { quoteIdentifier } from '../lib/persistence/quote-identifier.js';

/**
 * Liveness owned by each worker, and attempts spent when a handler starts.
 *
 * - `workers.lease_ms` and `workers.lease_expires_at`: each heartbeat writes
 *   the worker's own lease expiry on the database's clock, so rescue judges a
 *   worker by its own settings, never by the rescuer's.
 * - `tasks.rescues`: how many times the task was taken back from a dead
 *   worker. A task whose start was never recorded gets its attempt back when
 *   rescued; this count stops a task that kills its process before its start
 *   is recorded from crash-looping the fleet for ever.
 *
 * Adding a column with a constant default rewrites nothing (PostgreSQL 11+).
 */
export class WorkerLeases1763683200000 implements MigrationInterface {
  name = 'WorkerLeases1763683200000';

  constructor(private readonly schema: string = DEFAULT_SCHEMA) {}

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    await queryRunner.query(`ALTER TABLE ${s}.workers ADD COLUMN IF NOT EXISTS lease_ms integer NOT NULL DEFAULT 30000`);
    await queryRunner.query(
      `ALTER TABLE ${s}.workers ADD COLUMN IF NOT EXISTS lease_expires_at timestamptz NOT NULL DEFAULT now() + interval '30 seconds'`,
    );
    await queryRunner.query(`ALTER TABLE ${s}.tasks ADD COLUMN IF NOT EXISTS rescues integer NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    await queryRunner.query(`ALTER TABLE ${s}.tasks DROP COLUMN IF EXISTS rescues`);
    await queryRunner.query(`ALTER TABLE ${s}.workers DROP COLUMN IF EXISTS lease_expires_at`);
    await queryRunner.query(`ALTER TABLE ${s}.workers DROP COLUMN IF EXISTS lease_ms`);
  }
}
