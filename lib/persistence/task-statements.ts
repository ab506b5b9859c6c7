import type { QueueTables } from './queue-tables.js';
import type { SqlStatement } from './sql-statement.js';
import { cancelMatchingStatement, cancelTasksStatement } from './sql/cancel-tasks.sql.js';
import { insertGraphStatement, lockParentsStatement } from './sql/insert-graph.sql.js';
import { claimControlledStatement } from './sql/claim-controlled.sql.js';
import { claimTasksStatement, recordAndClaimStatement } from './sql/claim-tasks.sql.js';
import { recordAttemptsStatement } from './sql/complete-tasks.sql.js';
import { debounceTaskStatement } from './sql/debounce-task.sql.js';
import { failTaskStatement } from './sql/fail-task.sql.js';
import { insertKeyedTaskStatement } from './sql/insert-keyed-task.sql.js';
import { insertTaskNotifyingStatement, insertTaskStatement, insertTasksNotifyingStatement, insertTasksStatement } from './sql/insert-tasks.sql.js';
import { notifyWakeupStatement } from './sql/notify-wakeup.sql.js';
import { promoteDueStatement } from './sql/promote-due.sql.js';
import { getBackoffStatement, getParentsStatement, getTaskOutcomesStatement, getTaskStatement, nextRunAtStatement } from './sql/read-tasks.sql.js';
import { runningUnderWorkerStatement } from './sql/reconcile.sql.js';
import { releaseTaskKeyStatement } from './sql/release-task-key.sql.js';
import { releaseTasksStatement } from './sql/release-tasks.sql.js';
import { rescueOrphanedTasksStatement } from './sql/rescue-orphaned-tasks.sql.js';
import { snoozeTaskStatement } from './sql/snooze-task.sql.js';
import { deregisterWorkerStatement, registerWorkerStatement, renewLeaseStatement } from './sql/worker-registry.sql.js';

/** The queue's prepared statements, by what they do. */
export type TaskStatements = Record<
  | 'insertTask'
  | 'insertTaskNotifying'
  | 'insertTasks'
  | 'insertTasksNotifying'
  | 'insertKeyedTask'
  | 'debounceTask'
  | 'releaseTaskKey'
  | 'claimAll'
  | 'claimQueue'
  | 'recordAndClaimAll'
  | 'recordAndClaimQueue'
  | 'claimAllNoPromote'
  | 'claimControlled'
  | 'claimControlledNoPromote'
  | 'claimQueueNoPromote'
  | 'recordAndClaimAllNoPromote'
  | 'recordAndClaimQueueNoPromote'
  | 'claimByQueue'
  | 'recordAndClaimByQueue'
  | 'claimByQueueNoPromote'
  | 'recordAndClaimByQueueNoPromote'
  | 'promoteDue'
  | 'backoff'
  | 'record'
  | 'fail'
  | 'snooze'
  | 'release'
  | 'rescue'
  | 'register'
  | 'renew'
  | 'deregister'
  | 'runningUnder'
  | 'getTask'
  | 'outcomes'
  | 'nextRunAtAll'
  | 'nextRunAtQueue'
  | 'notify'
  | 'cancel'
  | 'cancelMatching'
  | 'lockParents'
  | 'insertGraph'
  | 'parents',
  SqlStatement
>;

/** Every statement the queue runs, built once for one schema's tables. */
export function taskStatements(t: QueueTables): TaskStatements {
  return {
    insertTask: insertTaskStatement(t),
    insertTaskNotifying: insertTaskNotifyingStatement(t),
    insertTasks: insertTasksStatement(t),
    insertTasksNotifying: insertTasksNotifyingStatement(t),
    insertKeyedTask: insertKeyedTaskStatement(t),
    debounceTask: debounceTaskStatement(t),
    releaseTaskKey: releaseTaskKeyStatement(t),
    claimAll: claimTasksStatement(t, 'all'),
    claimQueue: claimTasksStatement(t, 'queue'),
    recordAndClaimAll: recordAndClaimStatement(t, 'all'),
    recordAndClaimQueue: recordAndClaimStatement(t, 'queue'),
    claimAllNoPromote: claimTasksStatement(t, 'all', false),
    claimControlled: claimControlledStatement(t, true),
    claimControlledNoPromote: claimControlledStatement(t, false),
    claimQueueNoPromote: claimTasksStatement(t, 'queue', false),
    recordAndClaimAllNoPromote: recordAndClaimStatement(t, 'all', false),
    recordAndClaimQueueNoPromote: recordAndClaimStatement(t, 'queue', false),
    claimByQueue: claimTasksStatement(t, 'byQueue'),
    recordAndClaimByQueue: recordAndClaimStatement(t, 'byQueue'),
    claimByQueueNoPromote: claimTasksStatement(t, 'byQueue', false),
    recordAndClaimByQueueNoPromote: recordAndClaimStatement(t, 'byQueue', false),
    promoteDue: promoteDueStatement(t),
    backoff: getBackoffStatement(t),
    record: recordAttemptsStatement(t),
    fail: failTaskStatement(t),
    snooze: snoozeTaskStatement(t),
    release: releaseTasksStatement(t),
    rescue: rescueOrphanedTasksStatement(t),
    register: registerWorkerStatement(t),
    renew: renewLeaseStatement(t),
    deregister: deregisterWorkerStatement(t),
    runningUnder: runningUnderWorkerStatement(t),
    getTask: getTaskStatement(t),
    outcomes: getTaskOutcomesStatement(t),
    nextRunAtAll: nextRunAtStatement(t, 'all'),
    nextRunAtQueue: nextRunAtStatement(t, 'queue'),
    notify: notifyWakeupStatement(t),
    cancel: cancelTasksStatement(t),
    cancelMatching: cancelMatchingStatement(t),
    lockParents: lockParentsStatement(t),
    insertGraph: insertGraphStatement(t),
    parents: getParentsStatement(t),
  };
}
