import type { EntityManager } from 'typeorm';
import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import type { EnqueueExecutor } from '../persistence/enqueue-executor.js';

/**
 * The statements of a transactional enqueue, run in the caller's TypeORM
 * transaction: the task exists if and only if that transaction commits, and
 * its wake-up NOTIFY, sent in the same transaction, is delivered by
 * PostgreSQL at commit (and dropped on rollback). Through the query runner
 * TypeORM gives the transaction; no prepared statements there.
 *
 * @throws InvalidTaskOptionsError when `manager` is not inside a transaction
 */
export function managerExecutor(manager: EntityManager, where: string): EnqueueExecutor {
  const runner = typeof manager === 'object' && manager !== null ? manager.queryRunner : undefined;
  if (!runner || !runner.isTransactionActive) {
    throw new InvalidTaskOptionsError(
      'manager',
      'must be the EntityManager of an open transaction (the one dataSource.transaction(async (manager) => …) passes); outside a transaction the task would be written at once, not with your changes',
      where,
    );
  }
  return {
    query: async <Row>(statement: { text: string }, values: readonly unknown[]) =>
      (await runner.query(statement.text, values as unknown[], true)).records as Row[],
  };
}
