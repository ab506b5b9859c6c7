import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { QUEUED_TASKS_CONFIG, QUEUED_TASKS_DATA_SOURCE } from '../queued-tasks.constants.js';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { dedicatedClientConfig } from './dedicated-client-config.js';
import type { SqlStatement } from './sql-statement.js';
import { translateDatabaseError } from './translate-database-error.js';
import { QueueUnavailableError } from '../errors/queue-unavailable.error.js';

/**
 * Server-side keepalives of the control connection: if this process vanishes
 * without closing its socket (a machine lost, a network cut), the server
 * notices within about 11 s and frees the maintenance lock it held.
 */
const SESSION_SETUP = 'SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3';

/**
 * The process's control connection: one `pg` client of its own, beside the
 * pool, for what must never wait behind application work or claims: lease
 * renewals and the maintenance leader's lock.
 *
 * It connects on demand; a statement that fails on the connection (or does
 * not answer in time) drops it, and the next statement connects again. Each
 * new connection has a new `generation`, so the holder of a session-level
 * lock can tell that it lost it.
 */
@Injectable()
export class ControlConnection implements OnApplicationShutdown {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private closed = false;
  private readonly schema: string;
  private readonly connectTimeoutMs: number;
  /** Incremented whenever a connection is dropped: session state (locks) went with it. */
  generation = 0;
  /** The generation each connection belongs to. */
  private readonly generations = new WeakMap<pg.Client, number>();

  constructor(
    @Inject(QUEUED_TASKS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(QUEUED_TASKS_CONFIG) config: ResolvedQueuedTasksConfig,
  ) {
    this.schema = config.schema;
    this.connectTimeoutMs = config.connectTimeoutMs;
  }

  /** Runs one statement, giving up after `timeoutMs` (the connection is then dropped). */
  async query<Row>(statement: SqlStatement | string, values: readonly unknown[], timeoutMs: number): Promise<Row[]> {
    return (await this.queryOnConnection<Row>(statement, values, timeoutMs)).rows;
  }

  /**
   * {@link query}, also telling which connection it ran on (its generation):
   * a session-level lock taken by the statement lives exactly as long as that
   * connection.
   */
  async queryOnConnection<Row>(
    statement: SqlStatement | string,
    values: readonly unknown[],
    timeoutMs: number,
  ): Promise<{ rows: Row[]; generation: number }> {
    if (this.closed) throw new QueueUnavailableError('the module is shutting down');
    const config = typeof statement === 'string' ? { text: statement } : statement;
    const client = await this.connection(this.connectTimeoutMs);
    const generation = this.generations.get(client) ?? -1;
    try {
      const result = await client.query({ ...config, values: values as unknown[], query_timeout: timeoutMs } as unknown as pg.QueryConfig);
      return { rows: result.rows as Row[], generation };
    } catch (error) {
      const translated = translateDatabaseError(error, this.schema);
      if (translated instanceof QueueUnavailableError) this.drop(client);
      throw translated;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    const connecting = this.connecting;
    this.connecting = null;
    const client = this.client ?? (await connecting?.catch(() => null));
    if (client) this.drop(client);
  }

  private connection(timeoutMs: number): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect(timeoutMs).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(timeoutMs: number): Promise<pg.Client> {
    const client = new pg.Client(dedicatedClientConfig(this.dataSource, 'control', timeoutMs));
    client.on('error', () => this.drop(client));
    client.on('end', () => this.drop(client));
    try {
      await client.connect();
      await client.query(SESSION_SETUP).catch(() => undefined);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw translateDatabaseError(error, this.schema);
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw new QueueUnavailableError('the module is shutting down');
    }
    this.client = client;
    this.generations.set(client, this.generation);
    return client;
  }

  private drop(client: pg.Client): void {
    if (this.client === client) {
      this.client = null;
      this.generation++;
    }
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
  }
}
