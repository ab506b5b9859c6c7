import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/**
 * Why a child task ended `failed` without running: a parent it depends on
 * failed or was cancelled, and the child's `onParentFailure` is `'fail'`
 * (the default). Found by name in the child's error history
 * (`TaskInfo.errors`, `TaskFailedError.errors`); written by the database
 * (settle_children), so this class documents the entry rather than being
 * thrown.
 */
export class ParentFailedError extends QueuedTasksError {
  constructor(
    readonly parentId: string,
    readonly parentState: 'failed' | 'cancelled',
  ) {
    super(MESSAGES.parentFailed(parentId, parentState));
  }
}
