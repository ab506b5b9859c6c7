import { hostname } from 'node:os';
import type { TestDatabase } from './test-database.js';

/** Kinds of handle that would mean a worker, timer or connection of ours outlived `app.close()`. */
const WATCHED = ['Timeout', 'TCPSocketWrap', 'TCPWRAP', 'PipeWrap'];

function countHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (WATCHED.includes(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

/**
 * Tracks handles and connections across one test: call `baseline()` before
 * the test (beforeEach) and `assertNoLeaks()` after it has closed its apps
 * (afterEach). A leak fails the test that caused it.
 */
export class LeakCheck {
  private before = new Map<string, number>();

  constructor(private readonly db: TestDatabase) {}

  baseline(): void {
    this.before = countHandles();
  }

  async assertNoLeaks(): Promise<void> {
    // Sockets closed by `end()` are released on the next turns of the event loop.
    const deadline = Date.now() + 2_000;
    let leaked: string[] = [];
    let connections: { application_name: string; state: string }[] = [];
    for (;;) {
      const after = countHandles();
      leaked = [...after].filter(([kind, n]) => n > (this.before.get(kind) ?? 0)).map(([kind, n]) => `${kind}: ${this.before.get(kind) ?? 0} -> ${n}`);
      connections = await this.db.query(
        `SELECT application_name, state FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      if ((leaked.length === 0 && connections.length === 0) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Workers of this process only: a SIGKILLed child's row legitimately stays until pruned.
    const workers = await this.db.query(`SELECT id FROM queued_tasks.workers WHERE pid = $1 AND hostname = $2`, [
      process.pid,
      hostname(),
    ]);
    const problems = [
      ...leaked.map((line) => `open handle ${line}`),
      ...connections.map((c) => `open connection ${c.application_name} (${c.state})`),
      ...workers.map((w) => `worker ${String(w.id)} still registered`),
    ];
    if (problems.length > 0) throw new Error(`Leak after test:\n  ${problems.join('\n  ')}`);
  }
}
