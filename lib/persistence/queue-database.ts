import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import pg, { type Pool, type PoolClient, type QueryConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { QUEUED_TASKS_CONFIG, QUEUED_TASKS_DATA_SOURCE } from '../queued-tasks.constants.js';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { InvalidModuleOptionsError } from '../errors/invalid-module-options.error.js';
import { QueueUnavailableError } from '../errors/queue-unavailable.error.js';
import { dedicatedClientConfig } from './dedicated-client-config.js';
import { queueTables, type QueueTables } from './queue-tables.js';
import type { SqlStatement } from './sql-statement.js';
import { translateDatabaseError } from './translate-database-error.js';

/** Runs one statement on the connection of a {@link QueueDatabase.transaction}. */
export type QueryOn = <Row>(statement: SqlStatement | string, values?: readonly unknown[]) => Promise<Row[]>;

/** How long the cancellation of a timed-out statement may take; it is best effort. */
const CANCEL_TIMEOUT_MS = 2_000;

/**
 * The connection pool the queue's statements run on: the `pg` pool of the
 * TypeORM DataSource, used directly so the hot path skips TypeORM's query
 * runner bookkeeping (one acquire/release per statement) and can use named
 * prepared statements.
 *
 * Every statement has a timeout. The pool may be the application's own, so
 * no `statement_timeout` is set on its connections; instead the client stops
 * waiting (`query_timeout`, which also drops that connection) and the
 * statement is cancelled on the server through the control connection, so a
 * statement stuck on a lock neither hangs the worker nor `app.close()`.
 */
@Injectable()
export class QueueDatabase implements OnApplicationShutdown {
  readonly tables: QueueTables;
  private readonly pool: Pool;
  private readonly defaultTimeoutMs: number;
  /** Claims running now, so that shutdown can stop those stuck in the database. */
  private readonly active = new Map<PoolClient, { released: boolean }>();

  constructor(
    @Inject(QUEUED_TASKS_DATA_SOURCE) readonly dataSource: DataSource,
    @Inject(QUEUED_TASKS_CONFIG) config: ResolvedQueuedTasksConfig,
  ) {
    if (dataSource.options.type !== 'postgres') {
      throw new InvalidModuleOptionsError(`the DataSource must be PostgreSQL, not "${dataSource.options.type}"`);
    }
    this.tables = queueTables(config.schema);
    this.defaultTimeoutMs = config.worker.statementTimeoutMs;
    // PostgresDriver exposes its pg.Pool as the public `master` property.
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
    this.pool.on('connect', hearErrorsForEver);
  }

  /** The pool may be the application's own and outlive the module: take our listener off it. */
  onApplicationShutdown(): void {
    this.pool.off('connect', hearErrorsForEver);
  }

  /**
   * Runs one statement on the pool. With `cancelledAtShutdown` (claims), shutdown
   * cancels it rather than waiting for it: whatever it may commit is handed
   * back by rescue once the worker has left the registry.
   */
  async query<Row>(
    statement: SqlStatement | string,
    values: readonly unknown[] = [],
    timeoutMs = this.defaultTimeoutMs,
    cancelledAtShutdown = false,
  ): Promise<Row[]> {
    const config = typeof statement === 'string' ? { text: statement } : statement;
    let client: PoolClient;
    try {
      client = await this.checkOut(timeoutMs);
    } catch (error) {
      throw translateDatabaseError(error, this.tables.schema);
    }
    const entry = { released: false };
    if (cancelledAtShutdown) this.active.set(client, entry);
    // pg-pool listens for connection errors only while a client is idle. A
    // connection lost mid-statement, or a FATAL arriving just after the reply
    // (pg_terminate_backend, a server shutting down), is emitted as an
    // 'error' event on the checked-out client: unheard, it would crash the
    // process. Heard, the client is released as broken.
    let broken: Error | undefined;
    const onError = (error: Error) => (broken ??= error);
    client.on('error', onError);
    try {
      const result = await client.query({ ...config, values: values as unknown[], query_timeout: timeoutMs } as unknown as QueryConfig);
      // The reply arrived whole: it stands, even if the connection broke right after.
      return result.rows as Row[];
    } catch (error) {
      if (error instanceof Error && error.message === 'Query read timeout') this.cancel(client);
      // An error may leave the connection in any state: pg-pool drops it.
      if (!entry.released) {
        entry.released = true;
        client.release(error as Error);
      }
      throw translateDatabaseError(error, this.tables.schema);
    } finally {
      this.active.delete(client);
      if (!entry.released) {
        entry.released = true;
        client.release(broken);
      }
      // A broken client is discarded; keep hearing its late errors.
      if (!broken) client.removeListener('error', onError);
    }
  }

  /**
   * Runs `work` in one transaction on one pooled connection: its statements
   * (through the `query` it is given, each with `timeoutMs`) commit together
   * or not at all. Any error rolls back by dropping the connection, as a
   * failed statement of {@link query} does; a lost COMMIT reply is a
   * QueueUnavailableError, after which the work may or may not be written.
   */
  async transaction<T>(work: (query: QueryOn) => Promise<T>, timeoutMs = this.defaultTimeoutMs): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.checkOut(timeoutMs);
    } catch (error) {
      throw translateDatabaseError(error, this.tables.schema);
    }
    // Heard for the reason given in query().
    let broken: Error | undefined;
    const onError = (error: Error) => (broken ??= error);
    client.on('error', onError);
    const query: QueryOn = async <Row>(statement: SqlStatement | string, values: readonly unknown[] = []) => {
      const config = typeof statement === 'string' ? { text: statement } : statement;
      try {
        const result = await client.query({ ...config, values: values as unknown[], query_timeout: timeoutMs } as unknown as QueryConfig);
        return result.rows as Row[];
      } catch (error) {
        if (error instanceof Error && error.message === 'Query read timeout') this.cancel(client);
        throw translateDatabaseError(error, this.tables.schema);
      }
    };
    try {
      await query('BEGIN');
      const result = await work(query);
      await query('COMMIT');
      return result;
    } catch (error) {
      broken ??= error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.release(broken);
      if (!broken) client.removeListener('error', onError);
    }
  }

  /**
   * A pooled connection within `timeoutMs`: the pool may be the application's
   * own, with no wait limit, and its handlers may hold every connection.
   */
  private checkOut(timeoutMs: number): Promise<PoolClient> {
    return new Promise<PoolClient>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new QueueUnavailableError(`no pooled connection became free within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pool.connect().then(
        (client) => {
          clearTimeout(timer);
          // Too late: hand it straight back.
          if (settled) client.release();
          else resolve(client);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (!settled) reject(error);
        },
      );
    });
  }

  /**
   * Stops every claim still running (shutdown: a claim waiting on a lock must
   * not hold `close()`, nor keep the pool from ending). Each is cancelled on
   * the server and its connection dropped, so it fails at once.
   */
  cancelClaims(): void {
    for (const [client, entry] of this.active) {
      this.active.delete(client);
      this.cancel(client);
      if (!entry.released) {
        entry.released = true;
        client.release(new Error('cancelled by shutdown'));
      }
    }
  }

  /**
   * Stops a statement the client gave up on, so it does not go on holding
   * locks (or commit a claim nobody reads). On a short-lived connection of its
   * own: on the control connection, a burst of cancellations would queue
   * ahead of lease renewals.
   */
  private cancel(client: PoolClient): void {
    const backendPid = (client as unknown as { processID?: number | null }).processID;
    if (!backendPid) return;
    const canceller = new pg.Client(dedicatedClientConfig(this.dataSource, 'cancel', CANCEL_TIMEOUT_MS));
    canceller.on('error', () => undefined);
    void canceller
      .connect()
      .then(() => canceller.query({ text: 'SELECT pg_cancel_backend($1)', values: [backendPid], query_timeout: CANCEL_TIMEOUT_MS } as pg.QueryConfig))
      .catch(() => undefined)
      .finally(() => canceller.end().catch(() => undefined));
  }
}

/**
 * A new pooled connection's first reply and a FATAL sent right after it (a
 * `pg_terminate_backend` landing on a fresh backend) can arrive in one TCP
 * chunk: pg-pool hands the client out, dropping its idle listener, while the
 * parser is still in that chunk, and the FATAL is emitted as an 'error' before
 * any caller can listen: unheard, it crashed the process. Every connection
 * of the pool therefore keeps one listener for its whole life; the error
 * itself still fails whatever uses the connection next, and pg-pool still
 * drops the connection.
 */
function hearErrorsForEver(client: PoolClient): void {
  client.on('error', () => undefined);
}
