import type { DataSource, MigrationInterface } from 'typeorm';
import { queuedTasksMigrations } from '../../migrations/index.js';
import { quoteIdentifier } from './quote-identifier.js';
import { QueueDatabaseError } from '../errors/queue-database.error.js';
import { translateDatabaseError } from './translate-database-error.js';

/**
 * Applies the queue's pending migrations to `schema`, each recorded in
 * `<schema>.migrations`, all in one transaction that holds a
 * transaction-scoped advisory lock: instances booting at the same time run
 * one after the other and the later ones find nothing left to do. A failed
 * migration rolls back whole.
 *
 * @returns names of the migrations applied by this call.
 */
export async function runQueueMigrations(dataSource: DataSource, schema: string): Promise<string[]> {
  const s = quoteIdentifier(schema);
  const queryRunner = dataSource.createQueryRunner();
  const applied: string[] = [];
  try {
    await queryRunner.connect();
    await queryRunner.startTransaction();
    // One lock per schema: two queues in two schemas migrate independently.
    await queryRunner.query(`SELECT pg_advisory_xact_lock(hashtext('nestjs-queued-tasks:' || $1))`, [schema]);
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS ${s}.migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const rows: { name: string }[] = await queryRunner.query(`SELECT name FROM ${s}.migrations`);
    const done = new Set(rows.map((row) => row.name));
    for (const Migration of queuedTasksMigrations(schema)) {
      const migration: MigrationInterface = new Migration();
      const name = migration.name ?? Migration.name;
      if (done.has(name)) continue;
      await migration.up(queryRunner);
      await queryRunner.query(`INSERT INTO ${s}.migrations (name) VALUES ($1)`, [name]);
      applied.push(name);
    }
    await queryRunner.commitTransaction();
    return applied;
  } catch (error) {
    if (queryRunner.isTransactionActive) await queryRunner.rollbackTransaction().catch(() => undefined);
    throw migrationError(error, schema);
  } finally {
    await queryRunner.release();
  }
}

/**
 * What a failed migration throws: ours for a missing schema or an outage,
 * and a refusal (most often a role without the CREATE privilege) named as
 * the migration's, not as a raw driver error.
 */
function migrationError(error: unknown, schema: string): unknown {
  const translated = translateDatabaseError(error, schema);
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (translated !== error || typeof code !== 'string') return translated;
  return new QueueDatabaseError(`applying the queue's migrations to schema "${schema}" failed: ${(error as Error).message}`, code, { cause: error });
}
