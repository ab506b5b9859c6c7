import pg from 'pg';
import { ENV_ADMIN_URL, ENV_TEMPLATE } from '../setup/test-database-names.js';
import { databaseUrl } from './database-url.js';

/** A database of one test file, cloned from the migrated template. */
export interface TestDatabase {
  name: string;
  url: string;
  /** A connection for assertions; closed by `close()`. */
  client: pg.Client;
  query<Row extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>;
  /**
   * Closes the assertion connection. The database itself is dropped by the
   * global teardown: DROP DATABASE forces an immediate checkpoint, which
   * would stall the commits of test files still running in parallel.
   */
  close(): Promise<void>;
}

let counter = 0;

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env[ENV_ADMIN_URL];
  const template = process.env[ENV_TEMPLATE];
  if (!adminUrl || !template) throw new Error('Run the tests with `npm test`: the global setup did not run');
  const name = `${template}_f${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        break;
      } catch (error) {
        // Two files cloning the template at the same instant can collide; the clone itself is cheap to retry.
        if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  } finally {
    await admin.end();
  }
  const url = databaseUrl(adminUrl, name);
  const client = new pg.Client({ connectionString: url, application_name: 'qt-test-assertions' });
  await client.connect();
  return {
    name,
    url,
    client,
    query: async (text, values) => (await client.query(text, values)).rows,
    close: () => client.end(),
  };
}
