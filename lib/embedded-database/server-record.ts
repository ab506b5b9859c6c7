import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * `server.json`: how processes of the machine find the running server. The
 * supervisor writes it once the server accepts connections and removes it
 * before stopping the server; a SIGKILLed supervisor leaves it behind, which
 * is why a reader trusts it only once the supervisor has answered on
 * `leasePort`.
 */
export interface EmbeddedServerRecord {
  /** The cluster folder served; the supervisor repeats it in its greeting. */
  clusterDir: string;
  /** PostgreSQL's port on 127.0.0.1. */
  port: number;
  /** The superuser's URL of database `postgres`. */
  url: string;
  /** The postmaster's pid. */
  postmasterPid: number;
  /** The supervisor process: it owns the server and stops it when its last lease ends. */
  supervisorPid: number;
  /** Where the supervisor takes leases, on 127.0.0.1. */
  leasePort: number;
}

/** The recorded server, or null when none is recorded (or the file is unreadable: treated as none). */
export function readServerRecord(file: string): EmbeddedServerRecord | null {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as EmbeddedServerRecord;
    return Number.isInteger(record.leasePort) && Number.isInteger(record.supervisorPid) ? record : null;
  } catch {
    return null;
  }
}

/** Writes the record whole or not at all (a reader never sees half a file). */
export function writeServerRecord(file: string, record: EmbeddedServerRecord): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temporary, file);
}

/** Removes the record if it names this supervisor (a successor's record stays). */
export function removeOwnServerRecord(file: string): void {
  if (readServerRecord(file)?.supervisorPid === process.pid) rmSync(file, { force: true });
}
