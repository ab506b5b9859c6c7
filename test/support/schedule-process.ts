import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childLifecycle, type ChildLifecycle } from './child-lifecycle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Compiled by the `tsc` step that runs before Jest. */
const script = join(root, 'build-test', 'test', 'fixtures', 'schedule-process.js');

/** An instance with declared schedules, in a child process (see test/fixtures/schedule-process.ts). */
export interface ScheduleProcess extends Pick<ChildLifecycle, 'stop' | 'kill'> {
  pid: number;
}

/** Resolves once the child's application has bootstrapped (its declared schedules are written). */
export async function startScheduleProcess(url: string): Promise<ScheduleProcess> {
  const child = fork(script, [], { env: { ...process.env, QT_URL: url }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { stop, kill } = childLifecycle(child);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`schedule process exited with ${code} before it was ready`)));
  });
  return { pid: child.pid!, stop, kill };
}
