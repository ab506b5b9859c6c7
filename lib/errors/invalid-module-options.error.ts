import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** `QueuedTasksModule.forRoot()` / `forRootAsync()` got options it cannot run with. Thrown at bootstrap. */
export class InvalidModuleOptionsError extends QueuedTasksError {
  constructor(reason: string) {
    super(MESSAGES.invalidModuleOptions(reason));
  }
}
