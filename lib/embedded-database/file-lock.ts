import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { EmbeddedDatabaseError } from '../errors/embedded-database.error.js';
import { isProcessAlive } from './process-alive.js';

/** A holder that wrote no pid within this time died between creating the file and writing it. */
const UNWRITTEN_STALE_MS = 5_000;
/** Breaking a stale lock takes microseconds: a break marker this old was left by a breaker that died. */
const BREAK_MARKER_STALE_MS = 10_000;
const RETRY_MS = 50;

/**
 * Takes the lock file `path` (created exclusively, holding this process's
 * pid), waiting while a live process holds it. A lock whose holder died —
 * SIGKILLed, the machine's power cut — is broken, so a crash never blocks
 * the next start.
 *
 * @returns releases the lock (only if it is still this process's).
 * @throws EmbeddedDatabaseError past `timeoutMs`, naming the holder.
 */
export async function acquireFileLock(path: string, timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => releaseFileLock(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (breakIfStale(path)) continue;
    if (Date.now() > deadline) {
      throw new EmbeddedDatabaseError(`The lock ${path} is still held by process ${readHolder(path)?.pid ?? '?'} after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

function releaseFileLock(path: string): void {
  if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
}

interface LockHolder {
  /** null while the holder has created the file but not written its pid yet. */
  pid: number | null;
  ageMs: number;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const ageMs = Date.now() - statSync(path).mtimeMs;
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return { pid: Number.isInteger(pid) ? pid : null, ageMs };
  } catch {
    return undefined; // released meanwhile
  }
}

function isStale(holder: LockHolder | undefined): boolean {
  if (!holder) return false;
  return holder.pid === null ? holder.ageMs > UNWRITTEN_STALE_MS : !isProcessAlive(holder.pid);
}

/**
 * Removes the lock if its holder is dead. @returns whether to try again at once.
 *
 * Two processes may find the same dead holder; if both deleted the file,
 * the second could delete the lock the first has just taken. So breakers
 * take turns under a marker file and look again under it: the second then
 * sees a live holder and leaves the lock alone.
 */
function breakIfStale(path: string): boolean {
  const holder = readHolder(path);
  if (!holder) return true;
  if (!isStale(holder)) return false;
  const marker = `${path}.break`;
  try {
    writeFileSync(marker, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const breaker = readHolder(marker);
    if (breaker && breaker.ageMs > BREAK_MARKER_STALE_MS) rmSync(marker, { force: true });
    return false;
  }
  try {
    const again = readHolder(path);
    if (again && again.pid === holder.pid && isStale(again)) rmSync(path, { force: true });
  } finally {
    rmSync(marker, { force: true });
  }
  return true;
}
