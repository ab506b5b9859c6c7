import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { QUEUED_TASKS_CONFIG, QUEUED_TASKS_DATA_SOURCE } from '../queued-tasks.constants.js';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { InvalidModuleOptionsError } from '../errors/invalid-module-options.error.js';
import { queueTables, type QueueTables } from './queue-tables.js';
import type { SqlStatement } from './sql-statement.js';
import { translateDatabaseError } from './translate-database-error.js';

/**
 * The connection pool the queue's statements run on: the `pg` pool of the
 * TypeORM DataSource, used directly so the hot path skips TypeORM's query
 * runner bookkeeping (one acquire/release per statement) and can use named
 * prepared statements.
 */
@Injectable()
export class QueueDatabase {
  readonly tables: QueueTables;
  private readonly pool: Pool;

  constructor(
    @Inject(QUEUED_TASKS_DATA_SOURCE) readonly dataSource: DataSource,
    @Inject(QUEUED_TASKS_CONFIG) config: ResolvedQueuedTasksConfig,
  ) {
    if (dataSource.options.type !== 'postgres') {
      throw new InvalidModuleOptionsError(`the DataSource must be PostgreSQL, not "${dataSource.options.type}"`);
    }
    this.tables = queueTables(config.schema);
    // PostgresDriver exposes its pg.Pool as the public `master` property.
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
  }

  async query<Row>(statement: SqlStatement | string, values: readonly unknown[] = []): Promise<Row[]> {
    const config = typeof statement === 'string' ? { text: statement } : statement;
    try {
      const result = await this.pool.query({ ...config, values: values as unknown[] });
      return result.rows as Row[];
    } catch (error) {
      throw translateDatabaseError(error, this.tables.schema);
    }
  }

  /** Runs `work` in one transaction on one connection. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translateDatabaseError(error, this.tables.schema);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw translateDatabaseError(error, this.tables.schema);
    } finally {
      client.release();
    }
  }
}
