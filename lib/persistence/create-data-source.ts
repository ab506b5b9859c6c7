import { DataSource } from 'typeorm';
import type { QueuedTasksConnectionOptions } from '../interfaces/queued-tasks-options.interface.js';
import { queuedTasksEntities } from './entities/worker.entity.js';
import { describeConnectionTarget } from '../config/validate-connection.js';
import { translateConnectError } from './translate-connect-error.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../queued-tasks.constants.js';

const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_APPLICATION_NAME = 'nestjs-queued-tasks';

/** The DataSource the module owns when given `connection` options. Initialised; the module destroys it at shutdown. */
export async function createQueueDataSource(connection: QueuedTasksConnectionOptions, schema: string): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: connection.url,
    host: connection.host,
    port: connection.port,
    username: connection.username,
    password: connection.password,
    database: connection.database,
    ssl: connection.ssl as boolean | undefined,
    applicationName: connection.applicationName ?? DEFAULT_APPLICATION_NAME,
    poolSize: connection.poolSize ?? DEFAULT_POOL_SIZE,
    // Also bounds the wait for a free pooled connection.
    connectTimeoutMS: connection.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    entities: queuedTasksEntities(schema),
    synchronize: false,
    installExtensions: false,
    logging: false,
  });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw translateConnectError(error, describeConnectionTarget(connection), schema);
  }
  return dataSource;
}
