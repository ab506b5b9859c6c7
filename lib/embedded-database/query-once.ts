import pg from 'pg';

/** Time allowed to a local server to answer; it answers in milliseconds when it runs. */
const CONNECT_TIMEOUT_MS = 2_000;

/**
 * One statement on a connection of its own, closed after.
 * @returns the rows, or the reason the server did not answer.
 */
export async function queryOnce<Row extends pg.QueryResultRow>(url: string, text: string): Promise<{ rows: Row[] } | { failed: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'nestjs-queued-tasks:embedded' });
  // A server going away under this client must fail the query, not the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return { rows: (await client.query<Row>(text)).rows };
  } catch (error) {
    return { failed: error instanceof Error ? error.message : String(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}
