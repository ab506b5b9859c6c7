import type { ClientConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { DEFAULT_APPLICATION_NAME } from './create-data-source.js';

/**
 * Settings of a connection the queue opens beside the pool (LISTEN, and the
 * control connection for leases and leadership), taken from the DataSource's
 * own options so that it reaches the same server as the pool. Such
 * connections must not be pooled: a pooled one would be handed to other
 * statements, and could wait behind them.
 *
 * @param role suffix of the application name shown in `pg_stat_activity`.
 */
export function dedicatedClientConfig(dataSource: DataSource, role: string, connectTimeoutMs?: number): ClientConfig {
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
    application_name: `${options.applicationName ?? DEFAULT_APPLICATION_NAME}:${role}`,
    connectionTimeoutMillis: connectTimeoutMs ?? options.connectTimeoutMS ?? 10_000,
    keepAlive: true,
  };
}
