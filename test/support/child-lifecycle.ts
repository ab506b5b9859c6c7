import type { ChildProcess } from 'node:child_process';

/** How a test ends a forked child of the suite's fixtures: gracefully (the fixture closes its app on `{ stop: true }`), or by a signal. */
export interface ChildLifecycle {
  /** Resolves when the child has exited. */
  readonly exited: Promise<void>;
  /** Asks the child to close its application and exit, and waits for it. */
  stop(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Call right after `fork`, before the child can exit. */
export function childLifecycle(child: ChildProcess): ChildLifecycle {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.send({ stop: true });
      await exited;
    },
    kill: async (signal) => {
      child.kill(signal);
      await exited;
    },
  };
}
