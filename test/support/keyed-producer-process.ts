import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RaceOrder } from '../fixtures/keyed-producer-process.js';
import { childLifecycle } from './child-lifecycle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(root, 'build-test', 'test', 'fixtures', 'keyed-producer-process.js');

/** A process adding keyed tasks on command (see test/fixtures/keyed-producer-process.ts). */
export interface KeyedProducer {
  /** Runs the order; resolves with every ref it got, in no particular order. */
  run(order: RaceOrder): Promise<{ id: string; deduplicated: boolean }[]>;
  stop(): Promise<void>;
}

export async function startKeyedProducer(url: string): Promise<KeyedProducer> {
  const child = fork(script, [], { env: { ...process.env, QT_URL: url }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const lifecycle = childLifecycle(child);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`producer process exited with ${code} before it was ready`)));
  });
  return {
    run: (order) =>
      new Promise((resolve, reject) => {
        child.once('message', (reply: { results?: { id: string; deduplicated: boolean }[]; error?: string }) =>
          reply.results ? resolve(reply.results) : reject(new Error(reply.error)),
        );
        child.send({ go: order });
      }),
    stop: lifecycle.stop,
  };
}
