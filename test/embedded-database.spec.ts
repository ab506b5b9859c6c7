import { existsSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { isProcessAlive } from '../lib/embedded-database/process-alive.js';
import { queryOnce } from '../lib/embedded-database/query-once.js';
import { startEmbeddedPostgres } from '../lib/embedded-database/start-embedded-postgres.js';
import { bootEmbeddedAppProcess, startEmbeddedAppProcess, type EmbeddedAppProcess } from './support/embedded-app-process.js';
import { recordedServer, removeEmbeddedDataDir, waitForServerGone } from './support/embedded-server-state.js';
import { sleep, waitFor } from './support/wait-for.js';

/**
 * `connection.embedded` across real processes of one machine (compiled
 * from build-test/), each test on a data folder of its own: the server is
 * shared, outlives whichever process started it, stops after the last user
 * leaves, and a killed process — user or supervisor — neither blocks the
 * next start nor keeps the server running.
 */
describe('connection.embedded across processes', () => {
  /** Longer than the supervisor's grace after the last lease ends (1 s). */
  const PAST_IDLE_GRACE_MS = 2_000;
  let dataDir: string;
  let apps: EmbeddedAppProcess[] = [];

  const start = async (options: { force?: boolean; env?: Record<string, string> } = {}) => {
    const app = await startEmbeddedAppProcess({ dataDir, ...options });
    apps.push(app);
    return app;
  };
  const labels = (ran: { label: string }[]) => ran.map((result) => result.label);

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'qt-embedded-'));
  });

  afterEach(async () => {
    await Promise.all(apps.map((app) => app.kill('SIGKILL')));
    apps = [];
    await removeEmbeddedDataDir(dataDir);
  });

  it('shares one server between processes that boot at once, keeps it for the second after the first closes, stops it after the last', async () => {
    // Booting together: both find no server, both start a supervisor; the folder's lock lets one start PostgreSQL.
    const [first, second] = await Promise.all([start(), start()]);
    const server = recordedServer(dataDir);
    expect(first.databasePort).toBe(server.port);
    expect(second.databasePort).toBe(server.port);

    expect(labels(await first.run(['a1', 'a2']))).toEqual(['a1', 'a2']);
    expect(labels(await second.run(['b1', 'b2']))).toEqual(['b1', 'b2']);
    const counted = await queryOnce<{ n: number }>(server.url, `SELECT count(*)::int AS n FROM queued_tasks.tasks WHERE state = 'completed'`);
    expect(counted).toEqual({ rows: [{ n: 4 }] });

    await first.stop();
    await sleep(PAST_IDLE_GRACE_MS);
    expect(isProcessAlive(server.postmasterPid)).toBe(true);
    expect(isProcessAlive(server.supervisorPid)).toBe(true);
    // The first process's worker is gone: the second runs its own task.
    expect(await second.run(['b3'])).toEqual([{ label: 'b3', pid: second.pid }]);

    await second.stop();
    await waitForServerGone(server, dataDir);
  });

  it('keeps serving the others when a user is SIGKILLed, and stops after the last close', async () => {
    const first = await start();
    const second = await start();
    const server = recordedServer(dataDir);

    await first.kill('SIGKILL');
    await sleep(PAST_IDLE_GRACE_MS);
    expect(isProcessAlive(server.postmasterPid)).toBe(true);
    expect(labels(await second.run(['after the kill']))).toEqual(['after the kill']);

    await second.stop();
    await waitForServerGone(server, dataDir);
  });

  it('stops the server of a SIGKILLed last user, and the next process starts it again on the same data', async () => {
    const first = await start();
    await first.run(['before the kill']);
    const killed = recordedServer(dataDir);
    await first.kill('SIGKILL');
    // The kernel closed its lease: nobody is left, the supervisor stops the server.
    await waitForServerGone(killed, dataDir);

    const second = await start();
    const server = recordedServer(dataDir);
    expect(server.supervisorPid).not.toBe(killed.supervisorPid);
    await second.run(['after the restart']);
    const stored = await queryOnce<{ label: string }>(server.url, `SELECT args->>0 AS label FROM queued_tasks.tasks ORDER BY id`);
    expect(stored).toEqual({ rows: [{ label: 'before the kill' }, { label: 'after the restart' }] });
    await second.stop();
    await waitForServerGone(server, dataDir);
  });

  it('recovers from a SIGKILLed supervisor: a stale record, a stale lock and an orphaned postmaster', async () => {
    const first = await start();
    const orphaned = recordedServer(dataDir);
    process.kill(orphaned.supervisorPid, 'SIGKILL');
    await first.kill('SIGKILL');
    await waitFor(() => !isProcessAlive(orphaned.supervisorPid), 5_000, 'the supervisor to die');
    // A lock left by a process that died holding it (the supervisor during a start, say).
    writeFileSync(join(dataDir, 'server.lock'), String(deadPid()));
    expect(isProcessAlive(orphaned.postmasterPid)).toBe(true);
    expect(existsSync(join(dataDir, 'server.json'))).toBe(true);

    const second = await start();
    const server = recordedServer(dataDir);
    expect(server.supervisorPid).not.toBe(orphaned.supervisorPid);
    expect(isProcessAlive(orphaned.postmasterPid)).toBe(false);
    expect(labels(await second.run(['after recovery']))).toEqual(['after recovery']);
    await second.stop();
    await waitForServerGone(server, dataDir);
  });

  it('is refused with NODE_ENV=production, and runs there with force', async () => {
    const refused = await bootEmbeddedAppProcess({ dataDir, env: { NODE_ENV: 'production' }, expectBootFailure: true });
    expect(refused).toEqual({ failed: { name: 'EmbeddedDatabaseError', message: expect.stringContaining('NODE_ENV is "production"') } });
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false);

    const forced = await start({ force: true, env: { NODE_ENV: 'production' } });
    const server = recordedServer(dataDir);
    expect(labels(await forced.run(['forced']))).toEqual(['forced']);
    await forced.stop();
    await waitForServerGone(server, dataDir);
  });

  it('uses a folder that already is a cluster (the sample made them so) as it is, its data kept', async () => {
    const before = await startEmbeddedPostgres({ clusterDir: dataDir, persistent: true });
    expect(await queryOnce(before.url, `CREATE TABLE kept AS SELECT 'from before' AS note`)).toEqual({ rows: [] });
    await before.stop();

    const app = await start();
    const server = recordedServer(dataDir);
    expect(server.clusterDir).toBe(realpathSync(dataDir));
    expect(await queryOnce(server.url, `SELECT note FROM kept`)).toEqual({ rows: [{ note: 'from before' }] });
    expect(labels(await app.run(['on the old cluster']))).toEqual(['on the old cluster']);
    await app.stop();
    await waitForServerGone(server, dataDir);
  });

  it('reports a server that cannot start as EmbeddedDatabaseError, with what PostgreSQL said', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const refused = await bootEmbeddedAppProcess({ dataDir, port, expectBootFailure: true });
      expect(refused).toEqual({
        failed: { name: 'EmbeddedDatabaseError', message: expect.stringMatching(/did not start:[^]*could not bind IPv4 address "127\.0\.0\.1"/) },
      });
    } finally {
      taken.close();
    }
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false);
  });
});

/** The pid of a process that has exited (and was reaped). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}
