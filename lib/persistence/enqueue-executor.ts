import type { SqlStatement } from './sql-statement.js';

/**
 * Where the statements of one enqueue run: a transaction of the queue's own
 * pool, or the caller's (transactional enqueue through an EntityManager).
 * Wake-up NOTIFYs sent through it ride on that transaction's commit.
 */
export interface EnqueueExecutor {
  query<Row>(statement: SqlStatement, values: readonly unknown[]): Promise<Row[]>;
}
