import { Injectable } from '@nestjs/common';
import type { TaskLogLevel } from '../interfaces/task-report.interface.js';
import { QueueDatabase } from './queue-database.js';
import { readLogsStatement } from './sql/read-logs.sql.js';
import { writeReportsStatement } from './sql/write-reports.sql.js';
import type { SqlStatement } from './sql-statement.js';

/** Progress and context of one attempt to write; null leaves the column as it is. JSON texts, already checked. */
export interface AttemptReport {
  id: string;
  attempt: number;
  progress: string | null;
  context: string | null;
}

/** A stored line as read back. */
export interface StoredLineRow {
  id: string;
  attempt: number;
  level: TaskLogLevel;
  message: string;
  data: unknown;
  logged_at: Date;
}

/**
 * Statements of what running tasks report about themselves (progress,
 * context, log lines), and the read of stored lines. Apart from TaskStore:
 * none of them is on the claim or enqueue path.
 */
@Injectable()
export class TaskReportStore {
  private readonly write: SqlStatement;
  private readonly read: SqlStatement;

  constructor(private readonly db: QueueDatabase) {
    this.write = writeReportsStatement(db.tables);
    this.read = readLogsStatement(db.tables);
  }

  /**
   * Writes reports and lines of many tasks in one statement (see
   * write-reports.sql.ts). `lines`: JSON text of `[taskId, attempt, [line…]]`
   * entries, each line `[level, message, data, atMs]`: one JSON text is far
   * cheaper to send than as many escaped array elements.
   */
  async writeReports(reports: readonly AttemptReport[], lines: string, maxLinesPerTask: number): Promise<void> {
    await this.db.query(this.write, [
      reports.map((r) => r.id),
      reports.map((r) => r.attempt),
      reports.map((r) => r.progress),
      reports.map((r) => r.context),
      lines,
      maxLinesPerTask,
    ]);
  }

  /** Stored lines of a task after `afterId`, at most `limit`; `exists` false for an unknown task. */
  async readLogs(id: string, afterId: string, limit: number): Promise<{ exists: boolean; lines: StoredLineRow[] }> {
    const rows = await this.db.query<StoredLineRow & { task_exists: boolean }>(this.read, [id, afterId, limit]);
    return { exists: rows[0]?.task_exists ?? false, lines: rows.filter((row) => row.id !== null) };
  }
}
