import { existsSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { isProcessAlive } from '../../lib/embedded-database/process-alive.js';
import { readServerRecord, type EmbeddedServerRecord } from '../../lib/embedded-database/server-record.js';
import { readPostmasterPid } from '../../lib/embedded-database/start-embedded-postgres.js';
import { waitFor } from './wait-for.js';

/** The server recorded in `dataDir/server.json`; fails the test when none is. */
export function recordedServer(dataDir: string): EmbeddedServerRecord {
  const record = readServerRecord(join(dataDir, 'server.json'));
  if (!record) throw new Error(`no server recorded in ${dataDir}`);
  return record;
}

/** Whether nothing listens on the port of 127.0.0.1 any more. */
export function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Waits until the server's postmaster and supervisor have exited, its port refuses and its record is gone. */
export async function waitForServerGone(server: EmbeddedServerRecord, dataDir: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    async () =>
      !isProcessAlive(server.postmasterPid) &&
      !isProcessAlive(server.supervisorPid) &&
      !existsSync(join(dataDir, 'server.json')) &&
      (await portRefuses(server.port)),
    timeoutMs,
    `the embedded server of ${dataDir} (postmaster ${server.postmasterPid}, supervisor ${server.supervisorPid}) to stop`,
  );
}

/**
 * After a test: stops whatever it left running in `dataDir` (a supervisor,
 * a postmaster whose supervisor was killed), then removes the folder.
 */
export async function removeEmbeddedDataDir(dataDir: string): Promise<void> {
  const record = readServerRecord(join(dataDir, 'server.json'));
  // The cluster in its own folder, or the folder itself (a cluster the sample made before the module ran servers).
  const postmasters = [record?.postmasterPid, readPostmasterPid(join(dataDir, 'cluster')), readPostmasterPid(dataDir)];
  for (const pid of [record?.supervisorPid, ...postmasters]) {
    if (pid && isProcessAlive(pid)) process.kill(pid, 'SIGINT');
  }
  await waitFor(() => [record?.supervisorPid, ...postmasters].every((pid) => !pid || !isProcessAlive(pid)), 15_000, 'leftover servers to stop');
  rmSync(dataDir, { recursive: true, force: true });
}
