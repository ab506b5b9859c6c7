import type { ClientConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { DEFAULT_APPLICATION_NAME } from '../persistence/create-data-source.js';

/**
 * Connection settings for the LISTEN connection, taken from the DataSource's
 * own options so that it reaches the same server as the pool. LISTEN needs a
 * connection of its own: a pooled one would be handed to other statements.
 */
export function listenerClientConfig(dataSource: DataSource): ClientConfig {
  const options = dataSource.options as {
    url?: string;
    host?: string;
    port?: number;
    username?: string;
    password?: ClientConfig['password'];
    database?: string;
    ssl?: ClientConfig['ssl'];
    applicationName?: string;
    connectTimeoutMS?: number;
  };
  return {
    connectionString: options.url,
    host: options.host,
    port: options.port,
    user: options.username,
    password: options.password,
    database: options.database,
    ssl: options.ssl,
    application_name: `${options.applicationName ?? DEFAULT_APPLICATION_NAME}:listener`,
    connectionTimeoutMillis: options.connectTimeoutMS ?? 10_000,
    keepAlive: true,
  };
}
