import { fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EmbeddedDatabaseError } from '../errors/embedded-database.error.js';
import { MESSAGES } from '../errors/messages.js';
import type { EmbeddedDatabaseLayout } from './embedded-database-layout.js';
import type { SupervisorReport } from './embedded-server-supervisor.js';
import type { EmbeddedServerRecord } from './server-record.js';

/** The compiled entry beside this file (dist/ or build-test/). */
const SUPERVISOR_SCRIPT = fileURLToPath(new URL('./supervisor-process.js', import.meta.url));
/** The supervisor may first wait for the folder's lock, then run a first initdb. */
const REPORT_TIMEOUT_MS = 180_000;

/**
 * Starts a supervisor for the folder and waits for its report: the server
 * it started, or the one another supervisor already serves there. The
 * supervisor then runs on by itself (detached, unreferenced): this process
 * may exit while others still use the server.
 *
 * @throws EmbeddedDatabaseError when it reports a failure or exits first.
 */
export async function runSupervisor(layout: EmbeddedDatabaseLayout, port: number | undefined): Promise<EmbeddedServerRecord> {
  const log = openSync(layout.logFile, 'a');
  const child = (() => {
    try {
      return fork(SUPERVISOR_SCRIPT, [JSON.stringify({ dataDir: layout.dataDir, port })], {
        detached: true,
        stdio: ['ignore', log, log, 'ipc'],
        // Not the application's flags (--inspect would clash on its port, a test runner's loaders do not apply).
        execArgv: [],
      });
    } finally {
      closeSync(log);
    }
  })();
  const failed = (reason: string) => new EmbeddedDatabaseError(MESSAGES.embeddedStartFailed(layout.dataDir, reason));
  try {
    return await new Promise<EmbeddedServerRecord>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(failed(`its supervisor did not report within ${REPORT_TIMEOUT_MS} ms; see ${layout.logFile}`));
      }, REPORT_TIMEOUT_MS);
      child.once('message', (report: SupervisorReport) => {
        clearTimeout(timer);
        if ('server' in report) resolve(report.server);
        else reject(new EmbeddedDatabaseError(report.failed));
      });
      // 'close', not 'exit': it comes after the IPC channel is drained, so a failure report is never lost to it.
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        reject(failed(`its supervisor exited (${signal ?? `code ${code}`}) before it reported; see ${layout.logFile}`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(failed(error.message));
      });
    });
  } finally {
    if (child.connected) child.disconnect();
    child.unref();
  }
}
