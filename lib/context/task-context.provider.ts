import { Scope, type FactoryProvider } from '@nestjs/common';
import { TASK_CONTEXT } from '../queued-tasks.constants.js';
import { currentTask, type TaskContext } from './task-context.js';

/**
 * `TASK_CONTEXT`: request-scoped, so that a provider injecting it gets an
 * instance per run (as one injecting `REQUEST` does per HTTP request). Read
 * from the run's AsyncLocalStorage rather than from `REQUEST`, which is the
 * HTTP request when the same provider serves one: there it is `undefined`.
 */
export const taskContextProvider: FactoryProvider<TaskContext | undefined> = {
  provide: TASK_CONTEXT,
  scope: Scope.REQUEST,
  useFactory: currentTask,
};
