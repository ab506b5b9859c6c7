import { SetMetadata } from '@nestjs/common';
import { QUEUED_TASK_METADATA } from '../queued-tasks.constants.js';
import type { QueuedTaskOptions } from '../interfaces/task-options.interface.js';

/**
 * Marks a method of a provider as a task handler. The method's arguments
 * are the task's arguments (JSON values) and its resolved return value is
 * the task's result. On a request-scoped, durable or transient provider, each
 * run gets an instance of its own (see `TASK_CONTEXT`).
 *
 * @example
 * ```ts
 * @Injectable()
 * export class MailTasks {
 *   @QueuedTask({ name: 'mail.welcome', queue: 'mail', maxAttempts: 5 })
 *   async sendWelcome(email: string, name: string): Promise<{ messageId: string }> { ... }
 * }
 * ```
 */
export function QueuedTask(options: QueuedTaskOptions = {}): MethodDecorator {
  return SetMetadata(QUEUED_TASK_METADATA, options);
}
