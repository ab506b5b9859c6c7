/**
 * A worker process of the fault scenarios, forked from the compiled build
 * (`build-test/`) by fault-worker-process.ts. It runs the queue's workers on
 * QUEUE_URL (a scenario's own server, or a proxy) and records every handler
 * run in the execution log on LOG_URL, a server no fault touches.
 *
 * Environment (set by the launcher; see FaultWorkerSettings there):
 *   QUEUE_URL, LOG_URL                         required
 *   CONCURRENCY, LEASE_MS, POOL_SIZE,
 *   SHUTDOWN_TIMEOUT_MS                        numbers
 *   HEARTBEAT_MS, POLL_MS, APPLICATION_NAME    optional: the library's defaults otherwise
 *
 * IPC: sends `{ ready: true, pid }` once bootstrapped, or `{ error }` and
 * exits 1 if bootstrap fails; on `{ stop: true }` closes the app (graceful
 * drain) and exits 0. Exits 70 on an unhandled rejection or uncaught
 * exception (after one line on stderr), and when the test process goes away.
 */
import 'reflect-metadata';
import { Inject, Injectable, Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { NestFactory } from '@nestjs/core';
import {
  QUEUED_TASKS_DATA_SOURCE,
  QueuedTask,
  QueuedTasksModule,
  currentTask,
  type QueuedTasksWorkerOptions,
} from '../../../lib/index.js';
import { ExecutionRecorder } from './execution-recorder.js';
import type { ExecutionOutcome } from './execution-log.js';
import { FAULT_TASKS } from './fault-task-names.js';
import { NoStackLogger } from '../../support/no-stack-logger.js';

for (const event of ['unhandledRejection', 'uncaughtException'] as const) {
  process.on(event, (error: unknown) => {
    // A crash, not an expected error: the stack is what makes it fixable.
    process.stderr.write(`fault-worker ${process.pid}: ${event}: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(70);
  });
}
// Forked by a test process: never outlive it (a Jest worker killed on timeout would leave us draining for ever).
process.on('disconnect', () => process.exit(0));

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`fault-worker: ${name} is not set`);
  return value;
}

function optionalNumber(name: string): number | undefined {
  const value = process.env[name];
  return value ? Number(value) : undefined;
}

const recorder = new ExecutionRecorder(required('LOG_URL'));

/** Runs `work` as one recorded execution of the current task. */
async function recorded(work: (signal: AbortSignal) => Promise<void> | void): Promise<number> {
  const at = new Date();
  const task = currentTask()!;
  const id = await recorder.started({ taskId: task.id, attempt: task.attempt, workerId: task.workerId, at });
  let outcome: ExecutionOutcome = 'completed';
  try {
    await work(task.signal);
  } catch (error) {
    outcome = task.signal.aborted ? 'aborted' : 'failed';
    throw error;
  } finally {
    await recorder.finished(id, new Date(), outcome);
  }
  return process.pid;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

@Injectable()
class FaultTasks {
  constructor(@Inject(QUEUED_TASKS_DATA_SOURCE) private readonly dataSource: DataSource) {}

  @QueuedTask({ name: FAULT_TASKS.hog })
  hog(ms: number): Promise<number> {
    return recorded(async () => {
      await this.dataSource.transaction((manager) => manager.query('SELECT pg_sleep($1)', [ms / 1000]));
    });
  }

  @QueuedTask({ name: FAULT_TASKS.echo })
  async echo(value: string): Promise<string> {
    await recorded(() => undefined);
    return value;
  }

  @QueuedTask({ name: FAULT_TASKS.unprintable })
  unprintable(): Promise<number> {
    return recorded(() => {
      throw Object.assign(Object.create(null) as object, { big: 10n });
    });
  }

  @QueuedTask({ name: FAULT_TASKS.sleep })
  sleep(ms: number): Promise<number> {
    return recorded((signal) => sleep(ms, signal));
  }

  @QueuedTask({ name: FAULT_TASKS.stubborn })
  stubborn(ms: number): Promise<number> {
    return recorded(() => sleep(ms));
  }

  @QueuedTask({ name: FAULT_TASKS.cpu })
  cpu(ms: number): Promise<number> {
    return recorded(() => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        // Blocks the event loop on purpose: timers, heartbeats and I/O of this process all wait.
      }
    });
  }
}

const worker: QueuedTasksWorkerOptions = {
  concurrency: Number(required('CONCURRENCY')),
  leaseMs: Number(required('LEASE_MS')),
  shutdownTimeoutMs: Number(required('SHUTDOWN_TIMEOUT_MS')),
};
const heartbeatMs = optionalNumber('HEARTBEAT_MS');
if (heartbeatMs !== undefined) worker.heartbeatIntervalMs = heartbeatMs;
const pollMs = optionalNumber('POLL_MS');
if (pollMs !== undefined) worker.pollIntervalMs = pollMs;

@Module({
  imports: [
    QueuedTasksModule.forRoot({
      connection: {
        url: required('QUEUE_URL'),
        poolSize: Number(required('POOL_SIZE')),
        ...(process.env.APPLICATION_NAME ? { applicationName: process.env.APPLICATION_NAME } : {}),
      },
      worker,
    }),
  ],
  providers: [FaultTasks],
})
class FaultWorkerModule {}

let app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>;
try {
  app = await NestFactory.createApplicationContext(FaultWorkerModule, { logger: new NoStackLogger(['error', 'warn']), abortOnError: false });
} catch (error) {
  process.send?.({ error: (error as Error).message });
  await recorder.end().catch(() => undefined);
  process.exit(1);
}
process.send?.({ ready: true, pid: process.pid });
process.on('message', async (message: { stop?: boolean }) => {
  if (!message.stop) return;
  await app.close();
  await recorder.end();
  process.exit(0);
});
