import { EmbeddedDatabaseError } from '../errors/embedded-database.error.js';
import { MESSAGES } from '../errors/messages.js';
import { prepareEmbeddedDatabaseLayout } from './embedded-database-layout.js';
import type { ResolvedEmbeddedDatabaseOptions } from './embedded-database-options.js';
import { queryOnce } from './query-once.js';
import { runSupervisor } from './run-supervisor.js';
import { readServerRecord } from './server-record.js';
import { takeServerLease, type EmbeddedServerLease } from './server-lease.js';

/**
 * Rounds of "find the recorded server, else start one". A round fails only
 * when a server stops between being reported and being leased (its last
 * user left at that moment), which the next round sees.
 */
const ATTEMPTS = 3;

/** An embedded server this process uses until it calls `release()`. */
export interface EmbeddedDatabase {
  /** The superuser's URL of database `postgres`, on 127.0.0.1. */
  readonly url: string;
  /** Ends this process's use; the server stops shortly after its last user's release. */
  release(): Promise<void>;
}

/**
 * The server of `dataDir` for this process: the one another process of the
 * machine runs there, or one started now (by a supervisor process that
 * outlives this one as long as others use it). The server runs until this
 * process releases it, exits or dies, and every other user did too.
 *
 * @throws EmbeddedDatabaseError when no server could be started or reached.
 */
export async function acquireEmbeddedDatabase(options: ResolvedEmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const layout = prepareEmbeddedDatabaseLayout(options.dataDir);
  let reason = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const lease = (await leaseRecordedServer(layout.recordFile, layout.clusterDir)) ?? (await leaseNewServer());
    if (!lease) {
      reason = 'the server stopped before this process could use it';
      continue;
    }
    // The supervisor greeted us; the server must answer too before the module relies on it.
    const answer = await queryOnce(lease.server.url, 'SELECT 1');
    if ('rows' in answer) return { url: lease.server.url, release: () => lease.release() };
    await lease.release();
    reason = `its supervisor (pid ${lease.server.supervisorPid}) answers but PostgreSQL on port ${lease.server.port} does not: ${answer.failed}`;
  }
  throw new EmbeddedDatabaseError(MESSAGES.embeddedStartFailed(layout.dataDir, `${reason}; see ${layout.logFile}`));

  async function leaseNewServer(): Promise<EmbeddedServerLease | null> {
    const server = await runSupervisor(layout, options.port);
    return takeServerLease(server.leasePort, layout.clusterDir);
  }
}

async function leaseRecordedServer(recordFile: string, clusterDir: string): Promise<EmbeddedServerLease | null> {
  const record = readServerRecord(recordFile);
  return record && takeServerLease(record.leasePort, clusterDir);
}
