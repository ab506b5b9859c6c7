import { Logger } from '@nestjs/common';
import type { TaskLogger, TaskLogLevel } from '../interfaces/task-report.interface.js';
import { lineText, logMessage, reportDataJson } from './report-values.js';
import type { ReportingAttempt, TaskReportWriter } from './task-report-writer.js';

/** Nest's method for each level of a task's log line. */
const NEST_METHOD = { debug: 'debug', info: 'log', warn: 'warn', error: 'error' } as const;

/** Who is logging: one attempt of one task, and its key among attempts. */
export interface LoggingAttempt extends ReportingAttempt {
  key: string;
}

/**
 * A task's own log: each line is checked, queued for storage with the task
 * (written in batches by the TaskReportWriter) and sent to Nest's `Logger`
 * at its level, with `<task name> #<id>` as context so that the line can be
 * found in the application's logs too.
 */
export class TaskLog implements TaskLogger {
  constructor(
    private readonly attempt: LoggingAttempt,
    private readonly writer: TaskReportWriter,
  ) {}

  debug(message: string, data?: unknown): void {
    this.write('debug', message, data);
  }

  info(message: string, data?: unknown): void {
    this.write('info', message, data);
  }

  warn(message: string, data?: unknown): void {
    this.write('warn', message, data);
  }

  error(message: string, data?: unknown): void {
    this.write('error', message, data);
  }

  private write(level: TaskLogLevel, message: unknown, data: unknown): void {
    const text = logMessage(message);
    const json = reportDataJson(data, 'log data');
    const { key, id, name } = this.attempt;
    this.writer.line(key, this.attempt, lineText(level, text, json, Date.now()));
    const method = NEST_METHOD[level];
    // The echo's text is built only when the application's logger prints that level.
    if (Logger.isLevelEnabled(method)) Logger[method](json === null ? text : `${text} ${json}`, `${name} #${id}`);
  }
}
