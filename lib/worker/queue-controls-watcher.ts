import { Logger } from '@nestjs/common';
import type { QueueDatabase } from '../persistence/queue-database.js';
import { readControlledStatement } from '../persistence/sql/queue-controls.sql.js';
import type { SqlStatement } from '../persistence/sql-statement.js';
import type { QueueControl } from './queue-control-state.js';

/**
 * Keeps a worker's producers in step with the `queues` table: read at start,
 * on every "queues changed" notification, at each poll and after the
 * listener reconnects. What it reads only decides which producers claim
 * through the controlled claim: the claims themselves read the table, so a
 * stale view delays a resume or a limit's producer, and never breaks a limit
 * or starts a task of a paused queue.
 */
export class QueueControlsWatcher {
  private readonly logger = new Logger('QueuedTasks');
  private readonly statement: SqlStatement;
  private inFlight: Promise<void> | null = null;
  /** Asked again while a read was in flight: read once more after it. */
  private again = false;
  private lastError = '';

  constructor(
    private readonly db: QueueDatabase,
    private readonly apply: (controls: ReadonlyMap<string, QueueControl>) => void,
  ) {
    this.statement = readControlledStatement(db.tables);
  }

  /** Reads the controlled queues and applies them; concurrent calls share one read and one follow-up. */
  refresh(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = this.read().finally(() => {
      this.inFlight = null;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.inFlight;
  }

  private async read(): Promise<void> {
    try {
      const rows = await this.db.query<{ name: string; paused: boolean }>(this.statement);
      this.apply(new Map(rows.map((row) => [row.name, { paused: row.paused }])));
      this.lastError = '';
    } catch (error) {
      const message = (error as Error).message;
      // The claims fail too while the database is away, and say so; one line per kind here.
      if (message !== this.lastError) this.logger.warn(`Reading paused and limited queues failed: ${message}`);
      this.lastError = message;
    }
  }
}
