import { readFileSync } from 'node:fs';

/**
 * Whether a process with this pid exists and has not exited. Signal 0 tests
 * existence without sending anything (EPERM: it exists, as another user).
 * An exited child its parent has not reaped yet (a zombie, in a container
 * without an init that reaps) still exists for `kill`; on Linux its state in
 * /proc tells it apart.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // `pid (command) state …`: the command may hold spaces and parentheses, the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}
