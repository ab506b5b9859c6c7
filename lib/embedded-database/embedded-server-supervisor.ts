import { EmbeddedDatabaseError } from '../errors/embedded-database.error.js';
import { MESSAGES } from '../errors/messages.js';
import type { EmbeddedDatabaseLayout } from './embedded-database-layout.js';
import { acquireFileLock } from './file-lock.js';
import { LeaseServer } from './lease-server.js';
import { stopOrphanedPostmaster } from './orphaned-postmaster.js';
import { isProcessAlive } from './process-alive.js';
import { readServerRecord, removeOwnServerRecord, writeServerRecord, type EmbeddedServerRecord } from './server-record.js';
import { takeServerLease } from './server-lease.js';
import { startEmbeddedPostgres, type RunningEmbeddedPostgres } from './start-embedded-postgres.js';

/** A first `initdb`, as a system user created for it, on a slow disk, is the longest a holder keeps the lock. */
const LOCK_TIMEOUT_MS = 120_000;
/**
 * The server outlives its last user by this much: an application restarted
 * at once (a watch-mode rebuild) finds it still running instead of waiting
 * for a stop and a start.
 */
const IDLE_STOP_MS = 1_000;
/** The process that started this supervisor takes its lease within milliseconds; one that died first never will. */
const FIRST_LEASE_WAIT_MS = 30_000;
const POSTMASTER_CHECK_MS = 1_000;

/** What the supervisor tells the process that started it, once. */
export type SupervisorReport = { server: EmbeddedServerRecord } | { failed: string };

/**
 * Owns one embedded PostgreSQL server on behalf of every process of the
 * machine that uses its folder, in a process of its own: the server then
 * outlives whichever application started it, and stops when the last lease
 * ends (see LeaseServer).
 *
 * ```
 * booting ── another supervisor already serves the folder ──> (exit 0)
 *    │ server started, record written
 *    ▼
 * serving ── no lease for IDLE_STOP_MS, still none under the lock ──> stopping ──> (exit 0)
 *    │  └─── SIGTERM / SIGINT / SIGHUP ──────────────────────────────────^
 *    └── the postmaster died ──> (exit 1)
 * ```
 *
 * Starting and stopping happen under the folder's lock, so a newcomer finds
 * either a recorded server whose supervisor greets it, or none and a free
 * folder. A lease is taken without the lock: one that comes while the
 * supervisor waits for the lock to stop is seen under it, and the stop is
 * called off.
 */
export class EmbeddedServerSupervisor {
  private server: RunningEmbeddedPostgres | null = null;
  private readonly leases = new LeaseServer(() => this.stopWhenIdleFor(IDLE_STOP_MS));
  private idleTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly layout: EmbeddedDatabaseLayout,
    private readonly port: number | undefined,
  ) {}

  /**
   * Starts the server, or finds that another supervisor already serves it.
   * @returns the server to report, and whether this supervisor serves it.
   */
  async boot(): Promise<{ server: EmbeddedServerRecord; serving: boolean }> {
    const release = await acquireFileLock(this.layout.lockFile, LOCK_TIMEOUT_MS);
    try {
      const running = await this.findRunningServer();
      if (running) return { server: running, serving: false };
      await stopOrphanedPostmaster(this.layout.clusterDir);
      this.server = await startEmbeddedPostgres({
        clusterDir: this.layout.clusterDir,
        port: this.port,
        persistent: true,
        // stdout is server.log (see runSupervisor).
        onLog: (chunk) => process.stdout.write(chunk),
      });
      const record: EmbeddedServerRecord = {
        clusterDir: this.layout.clusterDir,
        port: this.server.port,
        url: this.server.url,
        postmasterPid: this.server.pid,
        supervisorPid: process.pid,
        leasePort: await this.leases.listen(),
      };
      this.leases.serve(record);
      writeServerRecord(this.layout.recordFile, record);
      return { server: record, serving: true };
    } finally {
      release();
    }
  }

  /** Serves until the last lease ends, the postmaster dies or a signal comes. */
  serve(): void {
    this.stopWhenIdleFor(FIRST_LEASE_WAIT_MS);
    const postmasterPid = this.server!.pid;
    setInterval(() => {
      if (!this.stopping && !isProcessAlive(postmasterPid)) this.abandon();
    }, POSTMASTER_CHECK_MS);
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => void this.stop());
  }

  /** The recorded server, if its supervisor greets us (then it serves on; the greeting was a lease ended at once). */
  private async findRunningServer(): Promise<EmbeddedServerRecord | null> {
    const record = readServerRecord(this.layout.recordFile);
    const lease = record && (await takeServerLease(record.leasePort, this.layout.clusterDir));
    if (!lease) return null;
    await lease.release();
    return lease.server;
  }

  private stopWhenIdleFor(delayMs: number): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.stopIfIdle(), delayMs);
  }

  private async stopIfIdle(): Promise<void> {
    if (this.leases.count > 0 || this.stopping) return;
    let release: () => void;
    try {
      release = await acquireFileLock(this.layout.lockFile, LOCK_TIMEOUT_MS);
    } catch {
      this.stopWhenIdleFor(IDLE_STOP_MS); // someone holds the lock that long: look again later
      return;
    }
    try {
      // A process may have taken a lease while this one waited for the lock.
      if (this.leases.count > 0) return;
      await this.stop();
    } finally {
      release();
    }
  }

  private async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.leases.close();
    removeOwnServerRecord(this.layout.recordFile);
    await this.server?.stop();
    // Exit once the caller has released the lock (the postmaster check's timer would keep the process alive).
    setImmediate(() => process.exit(0));
  }

  private abandon(): void {
    this.stopping = true;
    removeOwnServerRecord(this.layout.recordFile);
    this.leases.close();
    process.stdout.write(`[supervisor] the postmaster (pid ${this.server!.pid}) exited; leases ended\n`);
    process.exit(1);
  }
}

/** The report for an error of `boot()`: ours as they are, others as a failed start. */
export function failedStartReport(layout: EmbeddedDatabaseLayout, error: unknown): SupervisorReport {
  if (error instanceof EmbeddedDatabaseError) return { failed: error.message };
  return { failed: MESSAGES.embeddedStartFailed(layout.dataDir, error instanceof Error ? error.message : String(error)) };
}
