import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { assertQueueName, queueLimitColumns } from '../config/validate-queue-limits.js';
import { TaskRegistry } from '../discovery/task-registry.js';
import { QueueNotFoundError } from '../errors/queue-not-found.error.js';
import type { QueueInfo, QueueLimits, RateLimit } from '../interfaces/queue-options.interface.js';
import { QueueDatabase } from '../persistence/queue-database.js';
import { configureQueueStatement, listQueuesStatement, queueExistsStatement, setPausedStatement } from '../persistence/sql/queue-controls.sql.js';
import { DEFAULT_QUEUE, QUEUED_TASKS_CONFIG } from '../queued-tasks.constants.js';

interface QueueRow {
  name: string;
  paused: boolean;
  global_concurrency: number | null;
  key_concurrency: number | null;
  rate_max: number | null;
  rate_period_ms: number | null;
  key_rate_max: number | null;
  key_rate_period_ms: number | null;
  pending: number;
  scheduled: number;
  running: number;
}

/**
 * Pauses, resumes and limits queues, cluster-wide: the settings live in the
 * `queues` table, every claim statement reads them, and a notification makes
 * every process react within a moment.
 *
 * @example
 * ```ts
 * await queues.pause('mail');
 * await queues.configure('reports', { globalConcurrency: 2, rateLimit: { max: 100, periodMs: 60_000 } });
 * ```
 */
@Injectable()
export class TaskQueues {
  private readonly logger = new Logger('QueuedTasks');
  private readonly statements;

  constructor(
    private readonly db: QueueDatabase,
    private readonly registry: TaskRegistry,
    @Inject(QUEUED_TASKS_CONFIG) private readonly config: ResolvedQueuedTasksConfig,
  ) {
    const t = db.tables;
    this.statements = { setPaused: setPausedStatement(t), configure: configureQueueStatement(t), list: listQueuesStatement(t), exists: queueExistsStatement(t) };
  }

  /**
   * Stops every process from starting tasks of `queue`; running tasks finish,
   * nothing is lost, and the pause survives restarts.
   * @throws InvalidQueueOptionsError for a name no queue can have, QueueNotFoundError for a queue nothing knows of.
   */
  async pause(queue: string): Promise<void> {
    await this.setPaused(queue, true);
  }

  /** Lets every process start tasks of `queue` again. @throws as {@link pause}. */
  async resume(queue: string): Promise<void> {
    await this.setPaused(queue, false);
  }

  /**
   * Stores limits of `queue` (a field left out keeps its value, `null`
   * removes it); every process applies them to its next claim.
   * @returns the queue as it is now.
   * @throws InvalidQueueOptionsError, naming the option out of range; nothing is written.
   */
  async configure(queue: string, limits: QueueLimits): Promise<QueueInfo> {
    assertQueueName(queue);
    const columns = queueLimitColumns(queue, limits);
    await this.db.query(this.statements.configure, [queue, JSON.stringify(columns), this.db.tables.channel]);
    this.logger.log(`Queue "${queue}" configured: ${JSON.stringify(limits)}`);
    const [row] = await this.db.query<QueueRow>(this.statements.list, [[queue], queue]);
    return toQueueInfo(row!);
  }

  /** Queues this application uses or that were paused or configured, with their settings and backlog. */
  async list(): Promise<QueueInfo[]> {
    const rows = await this.db.query<QueueRow>(this.statements.list, [this.localQueues(), null]);
    return rows.map(toQueueInfo);
  }

  private async setPaused(queue: string, paused: boolean): Promise<void> {
    assertQueueName(queue);
    if (!this.localQueues().includes(queue)) {
      const [row] = await this.db.query<{ found: boolean }>(this.statements.exists, [queue]);
      if (!row?.found) throw new QueueNotFoundError(queue);
    }
    await this.db.query(this.statements.setPaused, [queue, paused, this.db.tables.channel]);
    this.logger.log(`Queue "${queue}" ${paused ? 'paused' : 'resumed'}`);
  }

  /** Queues of the task definitions and worker settings of this application. */
  private localQueues(): string[] {
    const queues = new Set<string>(this.registry.names().map((name) => this.registry.findByName(name)?.options.queue ?? DEFAULT_QUEUE));
    for (const queue of this.config.worker.queues ?? []) queues.add(queue);
    return [...queues];
  }
}

function toQueueInfo(row: QueueRow): QueueInfo {
  const rate = (max: number | null, periodMs: number | null): RateLimit | null => (max === null || periodMs === null ? null : { max, periodMs });
  return {
    name: row.name,
    paused: row.paused,
    globalConcurrency: row.global_concurrency,
    keyConcurrency: row.key_concurrency,
    rateLimit: rate(row.rate_max, row.rate_period_ms),
    keyRateLimit: rate(row.key_rate_max, row.key_rate_period_ms),
    pending: row.pending,
    scheduled: row.scheduled,
    running: row.running,
  };
}
