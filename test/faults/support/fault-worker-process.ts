import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KillTime } from './execution-log.js';
import { waitFor } from '../../support/wait-for.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const script = join(root, 'build-test', 'test', 'faults', 'support', 'fault-worker.js');

/** Output kept per worker process; older output is dropped. */
const MAX_OUTPUT = 1 << 20;

/** Settings of one fault worker process (see fault-worker.ts). */
export interface FaultWorkerSettings {
  /** Where the queue is: the scenario's own server, or a proxy. */
  queueUrl: string;
  /** Where the execution log is: the test file's database on the shared server. */
  logUrl: string;
  concurrency?: number;
  leaseMs?: number;
  /** Omitted: the library's default (a share of the lease). */
  heartbeatMs?: number;
  poolSize?: number;
  shutdownTimeoutMs?: number;
  /** Omitted: the library's default. */
  pollMs?: number;
  /** Omitted: the library's default (`nestjs-queued-tasks`). */
  applicationName?: string;
}

/** A fault worker process. */
export interface FaultWorker {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Still running (not exited, not killed). */
  alive(): boolean;
  /** Exit code and signal, once it exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it wrote (stdout, where Nest logs warnings, and stderr, where it logs errors), without colours. */
  output(): string;
  /**
   * Graceful stop: `app.close()` in the child (drains running tasks), then
   * exit. Rejects, after a SIGKILL, if it has not exited within `timeoutMs`.
   */
  stop(timeoutMs?: number): Promise<void>;
  /** Sends `signal` (SIGKILL by default) and waits for the exit. @returns when the signal was sent and when the death was seen. */
  kill(signal?: NodeJS.Signals): Promise<KillTime>;
}

/**
 * Forks a fault worker and waits until it has bootstrapped. Its stderr is
 * passed through to the test's stderr as it comes (errors must be seen);
 * its stdout (warnings) is kept for assertions and shown only with
 * `QT_FAULTS_VERBOSE=1`, so that expected warnings do not flood the run.
 */
export async function startFaultWorker(settings: FaultWorkerSettings, readyTimeoutMs = 30_000): Promise<FaultWorker> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  // Nothing of the test process's environment may stand in for a setting left out.
  for (const name of ['QUEUE_URL', 'LOG_URL', 'CONCURRENCY', 'LEASE_MS', 'HEARTBEAT_MS', 'POOL_SIZE', 'SHUTDOWN_TIMEOUT_MS', 'POLL_MS', 'APPLICATION_NAME']) {
    delete env[name];
  }
  Object.assign(env, {
    QUEUE_URL: settings.queueUrl,
    LOG_URL: settings.logUrl,
    CONCURRENCY: String(settings.concurrency ?? 10),
    LEASE_MS: String(settings.leaseMs ?? 30_000),
    POOL_SIZE: String(settings.poolSize ?? 4),
    SHUTDOWN_TIMEOUT_MS: String(settings.shutdownTimeoutMs ?? 5_000),
    ...(settings.heartbeatMs !== undefined ? { HEARTBEAT_MS: String(settings.heartbeatMs) } : {}),
    ...(settings.pollMs !== undefined ? { POLL_MS: String(settings.pollMs) } : {}),
    ...(settings.applicationName !== undefined ? { APPLICATION_NAME: settings.applicationName } : {}),
  });
  const child = fork(script, [], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let output = '';
  const keep = (text: string) => {
    output += text;
    if (output.length > MAX_OUTPUT) output = output.slice(-MAX_OUTPUT / 2);
  };
  const verbose = process.env.QT_FAULTS_VERBOSE === '1';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    keep(text);
    if (verbose) process.stderr.write(text);
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    keep(text);
    process.stderr.write(text);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // The pipes must be drained and closed too, or the leak check sees them.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fault worker ${child.pid} not ready after ${readyTimeoutMs} ms:\n${output}`)), readyTimeoutMs);
      child.once('message', (message: { ready?: boolean; error?: string }) => {
        clearTimeout(timer);
        if (message.ready) resolve();
        else reject(new Error(`fault worker ${child.pid} failed to bootstrap: ${message.error}`));
      });
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`fault worker ${child.pid} exited (${code ?? signal}) before it was ready:\n${output}`));
      });
    });
  } catch (error) {
    if (alive()) child.kill('SIGKILL');
    await closed;
    throw error;
  }

  return {
    pid: child.pid!,
    child,
    alive,
    exited,
    output: () => output,
    stop: async (timeoutMs = 30_000) => {
      if (alive() && child.connected) child.send({ stop: true });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const result = await Promise.race([closed, timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        await closed;
        throw new Error(`fault worker ${child.pid} did not stop within ${timeoutMs} ms; killed`);
      }
    },
    kill: async (signal = 'SIGKILL') => {
      child.kill(signal);
      const sentAt = Date.now();
      await exited;
      const diedAt = Date.now();
      await closed;
      return { sentAt, diedAt };
    },
  };
}

/**
 * Waits until `done()` holds (or a worker crashed, which the scenario's
 * summary then reports), then stops the workers gracefully.
 * @returns which workers were still alive when the wait ended.
 */
export async function settleAndStop(
  workers: readonly FaultWorker[],
  done: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<boolean[]> {
  // A check that fails (the server refusing a connection just after a fault) means "not yet", not "stop waiting".
  const settled = () => done().catch(() => false);
  await waitFor(async () => workers.some((w) => !w.alive()) || (await settled()), timeoutMs, what).catch(() => undefined);
  const alive = workers.map((w) => w.alive());
  await Promise.all(workers.map((w) => w.stop()));
  return alive;
}
