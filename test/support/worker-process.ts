import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { childLifecycle } from './child-lifecycle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(root, 'build-test', 'test', 'fixtures', 'worker-process.js');

/** A worker running in a child process of its own (see test/fixtures/worker-process.ts). */
export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  /** Graceful stop: app.close() in the child, then exit. */
  stop(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startWorkerProcess(env: { url: string; concurrency?: number; leaseMs?: number }): Promise<WorkerProcess> {
  const child = fork(script, [], {
    env: {
      ...process.env,
      QT_URL: env.url,
      QT_CONCURRENCY: String(env.concurrency ?? 10),
      QT_LEASE_MS: String(env.leaseMs ?? 30_000),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const lifecycle = childLifecycle(child);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code} before it was ready`)));
  });
  return {
    pid: child.pid!,
    child,
    stop: lifecycle.stop,
    kill: lifecycle.kill,
  };
}
