import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from './process-alive.js';
import { queryOnce } from './query-once.js';
import { EMBEDDED_SUPERUSER, readPostmasterPid } from './start-embedded-postgres.js';

/** A fast shutdown ends sessions and writes a checkpoint: seconds at most on a development cluster. */
const FAST_SHUTDOWN_WAIT_MS = 30_000;
const POLL_MS = 50;

/**
 * Stops a server still running in `clusterDir` though no supervisor answers
 * for it: its supervisor was SIGKILLed (or crashed), and PostgreSQL does not
 * watch its parent. It holds the cluster, so no new server could start
 * there; its last users lost their supervisor with it.
 *
 * Only a postmaster that answers on the port in `postmaster.pid`, as the
 * server of this very folder, is signalled: a pid reused by another program
 * after a reboot is left alone (and PostgreSQL then refuses to start,
 * saying which pid holds the folder).
 */
export async function stopOrphanedPostmaster(clusterDir: string): Promise<void> {
  const pid = readPostmasterPid(clusterDir);
  // A dead postmaster's postmaster.pid is removed by the next server itself.
  if (pid === undefined || !isProcessAlive(pid)) return;
  if (!(await servesCluster(clusterDir))) return;
  process.kill(pid, 'SIGINT');
  if (await exits(pid, FAST_SHUTDOWN_WAIT_MS)) return;
  // Immediate shutdown: the next start replays the WAL, nothing committed is lost.
  process.kill(pid, 'SIGQUIT');
  await exits(pid, FAST_SHUTDOWN_WAIT_MS);
}

async function servesCluster(clusterDir: string): Promise<boolean> {
  let port: number;
  try {
    // postmaster.pid: pid, data directory, start time, port, …
    port = Number.parseInt(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[3] ?? '', 10);
  } catch {
    return false; // gone meanwhile: the server stopped
  }
  if (!Number.isInteger(port)) return false;
  const { user, password } = EMBEDDED_SUPERUSER;
  const answer = await queryOnce<{ dir: string }>(
    `postgres://${user}:${password}@127.0.0.1:${port}/postgres`,
    `SELECT current_setting('data_directory') AS dir`,
  );
  return 'rows' in answer && realpathSync(answer.rows[0]!.dir) === realpathSync(clusterDir);
}

async function exits(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}
