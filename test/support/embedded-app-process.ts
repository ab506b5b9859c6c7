import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childLifecycle } from './child-lifecycle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(root, 'build-test', 'test', 'fixtures', 'embedded-app-process.js');

/** An application on `connection.embedded` in a child process of its own (see test/fixtures/embedded-app-process.ts). */
export interface EmbeddedAppProcess {
  readonly pid: number;
  /** Port of the PostgreSQL server its DataSource connects to. */
  readonly databasePort: number;
  /** Enqueues one task per label and waits for their results (each names the process that ran it). */
  run(labels: string[]): Promise<{ label: string; pid: number }[]>;
  /** `app.close()` in the child, then exit. */
  stop(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Settings of {@link bootEmbeddedAppProcess}. */
export interface EmbeddedAppProcessOptions {
  dataDir: string;
  force?: boolean;
  /** embedded.port */
  port?: number;
  /** Variables on top of the test's environment, e.g. NODE_ENV. */
  env?: Record<string, string>;
  /** The boot is expected to fail: the child prints nothing about it (the test asserts on the error it reports). */
  expectBootFailure?: boolean;
}

/** How a boot ended: ready, or the error the application's bootstrap threw. */
export type EmbeddedAppBoot = { app: EmbeddedAppProcess } | { failed: { name: string; message: string } };

/** Starts the application process and waits until its module has booted or failed. */
export async function bootEmbeddedAppProcess(options: EmbeddedAppProcessOptions): Promise<EmbeddedAppBoot> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, QT_EMBEDDED_DIR: options.dataDir, QT_EMBEDDED_FORCE: options.force ? '1' : '0' };
  if (options.expectBootFailure) env.QT_EXPECT_BOOT_FAILURE = '1';
  if (options.port) env.QT_EMBEDDED_PORT = String(options.port);
  delete env.DATABASE_URL;
  const child = fork(script, [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const lifecycle = childLifecycle(child);
  const first = await nextMessage<{ ready?: { port: number }; failed?: { name: string; message: string } }>(child, 'boot');
  if (first.failed) {
    await lifecycle.exited;
    return { failed: first.failed };
  }
  return {
    app: {
      pid: child.pid!,
      databasePort: first.ready!.port,
      run: async (labels) => {
        const answer = nextMessage<{ ran: { label: string; pid: number }[] }>(child, 'results');
        child.send({ run: labels });
        return (await answer).ran;
      },
      stop: lifecycle.stop,
      kill: lifecycle.kill,
    },
  };
}

/** {@link bootEmbeddedAppProcess}, failing the test if the application did not boot. */
export async function startEmbeddedAppProcess(options: EmbeddedAppProcessOptions): Promise<EmbeddedAppProcess> {
  const boot = await bootEmbeddedAppProcess(options);
  if ('failed' in boot) throw new Error(`the application did not boot: ${boot.failed.name}: ${boot.failed.message}`);
  return boot.app;
}

function nextMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`the application process exited (${signal ?? `code ${code}`}) before its ${what}`));
    child.once('exit', onExit);
    child.once('message', (message: T) => {
      child.off('exit', onExit);
      resolve(message);
    });
  });
}
