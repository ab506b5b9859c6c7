import { Inject, Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { QUEUED_TASKS_CONFIG, QUEUED_TASKS_DATA_SOURCE } from '../queued-tasks.constants.js';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { createQueueDataSource } from './create-data-source.js';
import { runQueueMigrations } from './queue-migrator.js';

/**
 * The DataSource the queue runs on, ready to use: the application's own, or
 * one the module creates from `connection`; migrated at bootstrap when
 * `migrationsRun` is on. Being an async provider, nothing that needs the
 * database is built before the schema exists.
 */
export const queueDataSourceProvider: Provider = {
  provide: QUEUED_TASKS_DATA_SOURCE,
  inject: [QUEUED_TASKS_CONFIG],
  useFactory: async (config: ResolvedQueuedTasksConfig): Promise<DataSource> => {
    const dataSource = config.dataSource ?? (await createQueueDataSource(config.connection!, config.schema));
    if (!dataSource.isInitialized) await dataSource.initialize();
    if (config.migrationsRun) {
      try {
        await runQueueMigrations(dataSource, config.schema);
      } catch (error) {
        if (!config.dataSource) await dataSource.destroy().catch(() => undefined);
        throw error;
      }
    }
    return dataSource;
  },
};

/**
 * Closes the DataSource the module created, at `onApplicationShutdown`: after
 * every `beforeApplicationShutdown` hook, where workers drain. An
 * application's own DataSource is left to the application.
 */
@Injectable()
export class QueueDataSourceCloser implements OnApplicationShutdown {
  constructor(
    @Inject(QUEUED_TASKS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(QUEUED_TASKS_CONFIG) private readonly config: ResolvedQueuedTasksConfig,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.config.dataSource && this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
