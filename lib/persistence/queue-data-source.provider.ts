import { Injectable, Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { QUEUED_TASKS_CONFIG, QUEUED_TASKS_DATA_SOURCE } from '../queued-tasks.constants.js';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { acquireEmbeddedDatabase, type EmbeddedDatabase } from '../embedded-database/acquire-embedded-database.js';
import { resolveEmbeddedDatabaseOptions } from '../embedded-database/embedded-database-options.js';
import { describeConnectionTarget } from '../config/validate-connection.js';
import { createQueueDataSource } from './create-data-source.js';
import { translateConnectError } from './translate-connect-error.js';
import { runQueueMigrations } from './queue-migrator.js';

/**
 * Closes what the module opened for its DataSource, at
 * `onApplicationShutdown`: after every `beforeApplicationShutdown` hook,
 * where workers drain. First the DataSource the module created, then the
 * embedded server it used (`connection.embedded`), which may stop once this
 * was its last user: never under the pool's feet. An application's own
 * DataSource is left to the application.
 */
@Injectable()
export class QueueDataSourceCloser implements OnApplicationShutdown {
  private dataSource: DataSource | null = null;
  private embedded: EmbeddedDatabase | null = null;

  /** The DataSource the module created; destroyed at shutdown. */
  own(dataSource: DataSource): DataSource {
    this.dataSource = dataSource;
    return dataSource;
  }

  /** The embedded server the module's DataSource runs on; released at shutdown, after the DataSource. */
  ownEmbedded(embedded: EmbeddedDatabase): EmbeddedDatabase {
    this.embedded = embedded;
    return embedded;
  }

  async onApplicationShutdown(): Promise<void> {
    const { dataSource, embedded } = this;
    this.dataSource = null;
    this.embedded = null;
    try {
      if (dataSource?.isInitialized) await dataSource.destroy();
    } finally {
      await embedded?.release();
    }
  }
}

/**
 * The DataSource the queue runs on, ready to use: the application's own, or
 * one the module creates from `connection` (on a server it finds or starts
 * with `connection.embedded`); migrated at bootstrap when `migrationsRun` is
 * on. Being an async provider, nothing that needs the database is built
 * before the schema exists.
 */
export const queueDataSourceProvider: Provider = {
  provide: QUEUED_TASKS_DATA_SOURCE,
  inject: [QUEUED_TASKS_CONFIG, QueueDataSourceCloser],
  useFactory: async (config: ResolvedQueuedTasksConfig, closer: QueueDataSourceCloser): Promise<DataSource> => {
    try {
      const dataSource = config.dataSource ?? (await createOwnDataSource(config, closer));
      if (!dataSource.isInitialized) await initializeAppDataSource(dataSource, config.schema);
      if (config.migrationsRun) await runQueueMigrations(dataSource, config.schema);
      return dataSource;
    } catch (error) {
      // Nest runs no shutdown hook for a bootstrap that failed.
      await closer.onApplicationShutdown().catch(() => undefined);
      throw error;
    }
  },
};

async function createOwnDataSource(config: ResolvedQueuedTasksConfig, closer: QueueDataSourceCloser): Promise<DataSource> {
  const connection = config.connection!;
  if (!connection.embedded) return closer.own(await createQueueDataSource(connection, config.schema));
  const options = resolveEmbeddedDatabaseOptions(connection.embedded);
  const server = closer.ownEmbedded(await acquireEmbeddedDatabase(options));
  // Where to point psql, and a reminder that this is the development server.
  new Logger('QueuedTasks').log(`On the embedded PostgreSQL of ${options.dataDir} (development only): ${server.url}`);
  return closer.own(await createQueueDataSource({ ...connection, url: server.url }, config.schema));
}

/** The application's own DataSource, not initialised yet: its connection errors read like ours. */
async function initializeAppDataSource(dataSource: DataSource, schema: string): Promise<void> {
  try {
    await dataSource.initialize();
  } catch (error) {
    const { url, host, port, username, database } = dataSource.options as {
      url?: string;
      host?: string;
      port?: number;
      username?: string;
      database?: string;
    };
    throw translateConnectError(error, describeConnectionTarget({ url, host, port, username, database }), schema);
  }
}
