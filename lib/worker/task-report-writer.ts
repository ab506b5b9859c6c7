import { Logger } from '@nestjs/common';
import type { AttemptReport, TaskReportStore } from '../persistence/task-report-store.js';
import { isTransientDatabaseError } from '../persistence/translate-database-error.js';
import type { CompletionReports } from '../persistence/sql/complete-tasks.sql.js';
import { sleepUntil } from './deadline.js';
import { progressText, type ReportedProgress } from './report-values.js';

/**
 * How often the reports of running tasks are written at most: progress
 * reported a thousand times a second by one handler costs one UPDATE a
 * second, and the lines logged meanwhile go in the same statement.
 */
export const REPORT_INTERVAL_MS = 1_000;
/** Lines waiting past this many are written at once rather than at the next interval: bounds the memory a chatty handler holds. */
const LINES_BEFORE_EARLY_WRITE = 1_000;

/** The attempt reporting: its task and attempt number. */
export interface ReportingAttempt {
  id: string;
  name: string;
  queue: string;
  attempt: number;
}

/** What one attempt reported since its last write. */
interface PendingReport extends ReportingAttempt {
  /** The last progress, null when unchanged. */
  progress: ReportedProgress | null;
  /** JSON text of the whole context, null when unchanged. */
  context: string | null;
  /** `[level, message, data, atMs]` JSON texts (see lineText). */
  lines: string[];
}

/** What a completed attempt reported and was not written: for its completion statement, and its last progress for the event. */
export interface FinalReports {
  reports: CompletionReports;
  progress: ReportedProgress | null;
}

/** Called with the progress just written, by attempt, for the `progress` events. */
export type ProgressWritten = (written: readonly { task: ReportingAttempt; progress: ReportedProgress }[]) => void;

/**
 * Writes what running tasks say about themselves (progress, context, log
 * lines) in batches: one statement for every task of the process, at most
 * once per {@link REPORT_INTERVAL_MS}, off the claim and completion paths.
 * A handler's call never waits for it.
 *
 * When an attempt completes, what it reported and was not written yet (its
 * last progress and context, its log lines) rides on its completion
 * statement (see {@link settle} and {@link takeFinal}): no statement or row
 * version of its own, and once `result()` resolves, `logs()` has every line.
 * What a failing, snoozing or cancelled attempt reported is written before
 * its outcome is recorded. Its slot is free meanwhile either way.
 *
 * A write the database is unreachable for is kept and tried again; one it
 * refuses for its content is dropped with a warning (its values were checked
 * when reported, so that is a defect, not an outage).
 */
export class TaskReportWriter {
  private readonly logger = new Logger('QueuedTasks');
  private pending = new Map<string, PendingReport>();
  private pendingLines = 0;
  /** What attempts that completed reported and was not written, for their completion to carry. */
  private readonly finals = new Map<string, FinalReports>();
  /** Attempt keys in the statement being written. */
  private readonly inFlight = new Set<string>();
  private writing: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastFailure = '';

  constructor(
    private readonly store: TaskReportStore,
    private readonly maxLinesPerTask: number,
    private readonly onProgressWritten: ProgressWritten = () => undefined,
  ) {}

  progress(key: string, task: ReportingAttempt, progress: ReportedProgress): void {
    this.entry(key, task).progress = progress;
    this.schedule();
  }

  context(key: string, task: ReportingAttempt, json: string): void {
    this.entry(key, task).context = json;
    this.schedule();
  }

  line(key: string, task: ReportingAttempt, line: string): void {
    this.entry(key, task).lines.push(line);
    if (++this.pendingLines >= LINES_BEFORE_EARLY_WRITE) void this.write();
    else this.schedule();
  }

  /**
   * The attempt `key` ended; `completing`: it returned, and its completion
   * will carry its last progress and context (see {@link takeFinal}).
   * @returns a promise settled once what must precede its outcome is
   * written (or failed to be, and is kept for later), or null when nothing
   * must: most tasks report nothing, and pay nothing.
   */
  settle(key: string, completing: boolean): Promise<void> | null {
    const entry = this.pending.get(key);
    if (completing && entry) {
      this.pending.delete(key);
      this.pendingLines -= entry.lines.length;
      const reports: CompletionReports = { progress: entry.progress && progressText(entry.progress), context: entry.context };
      if (entry.lines.length > 0) {
        reports.lines = `[${entry.lines.join(',')}]`;
        reports.maxLines = this.maxLinesPerTask;
      }
      this.finals.set(key, { reports, progress: entry.progress });
    }
    // Lines of this attempt in a statement now being written come first: wait for it (rare: a task running over a second).
    if (completing) return this.inFlight.has(key) ? this.writing : null;
    if (!this.pending.has(key) && !this.inFlight.has(key)) return null;
    return this.write();
  }

  /** What a completed attempt reported and was not written, taken for its completion statement; null when nothing. */
  takeFinal(key: string): FinalReports | null {
    const final = this.finals.get(key);
    if (final === undefined) return null;
    this.finals.delete(key);
    return final;
  }

  /** Shutdown: writes what is left, trying again until `deadline`. */
  async drain(deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      await Promise.race([this.write(), sleepUntil(deadline)]);
      if (this.pending.size === 0 && this.inFlight.size === 0) break;
      await sleepUntil(Math.min(deadline, Date.now() + 100));
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size > 0) this.logger.warn(`Reports of ${this.pending.size} task(s) (progress, context, log lines) could not be written before shutdown`);
  }

  private entry(key: string, task: ReportingAttempt): PendingReport {
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { id: task.id, name: task.name, queue: task.queue, attempt: task.attempt, progress: null, context: null, lines: [] };
      this.pending.set(key, entry);
    }
    return entry;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.write();
    }, REPORT_INTERVAL_MS);
    this.timer.unref();
  }

  /** Writes everything pending now: at once, or right after the statement in flight (which took an earlier snapshot). */
  private write(): Promise<void> {
    if (this.writing) return (this.next ??= this.writing.then(() => {
      this.next = null;
      return this.write();
    }));
    if (this.pending.size === 0) return Promise.resolve();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = new Map();
    this.pendingLines = 0;
    for (const key of batch.keys()) this.inFlight.add(key);
    this.writing = this.send(batch).finally(() => {
      for (const key of batch.keys()) this.inFlight.delete(key);
      this.writing = null;
    });
    return this.writing;
  }

  private async send(batch: Map<string, PendingReport>): Promise<void> {
    const reports: AttemptReport[] = [];
    const lines: string[] = [];
    const progressed: { task: ReportingAttempt; progress: ReportedProgress }[] = [];
    for (const entry of batch.values()) {
      const progress = entry.progress && progressText(entry.progress);
      if (progress !== null || entry.context !== null) reports.push({ id: entry.id, attempt: entry.attempt, progress, context: entry.context });
      if (entry.progress !== null) progressed.push({ task: entry, progress: entry.progress });
      if (entry.lines.length > 0) lines.push(`[${entry.id},${entry.attempt},[${entry.lines.join(',')}]]`);
    }
    try {
      await this.store.writeReports(reports, `[${lines.join(',')}]`, this.maxLinesPerTask);
      this.lastFailure = '';
    } catch (error) {
      this.failed(batch, error);
      return;
    }
    if (progressed.length > 0) this.onProgressWritten(progressed);
  }

  private failed(batch: Map<string, PendingReport>, error: unknown): void {
    const message = (error as Error).message;
    if (!isTransientDatabaseError(error)) {
      this.logger.warn(`Reports of ${batch.size} task(s) were refused by the database and dropped: ${message}`);
      return;
    }
    if (message !== this.lastFailure) this.logger.warn(`Writing task reports failed (kept, tried again): ${message}`);
    this.lastFailure = message;
    // Back in front of what was reported meanwhile: newer progress and context win, lines keep their order.
    for (const [key, old] of batch) {
      const newer = this.pending.get(key);
      if (!newer) {
        this.pending.set(key, old);
      } else {
        newer.progress ??= old.progress;
        newer.context ??= old.context;
        newer.lines = [...old.lines, ...newer.lines];
      }
      this.pendingLines += old.lines.length;
    }
    this.schedule();
  }
}

