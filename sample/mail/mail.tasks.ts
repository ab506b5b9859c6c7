import { Injectable } from '@nestjs/common';
import { NonRetryableError, QueuedTask, currentTask } from 'nestjs-queued-tasks';
import { Mailer } from './mailer.service.js';

@Injectable()
export class MailTasks {
  constructor(private readonly mailer: Mailer) {}

  @QueuedTask({ name: 'mail.welcome', queue: 'mail', maxAttempts: 5, backoff: { type: 'exponential', delayMs: 1_000 } })
  async sendWelcome(email: string, name: string): Promise<{ messageId: string }> {
    if (!email.includes('@')) throw new NonRetryableError(`"${email}" is not an email address`);
    const messageId = await this.mailer.send(email, `Welcome, ${name}!`, currentTask()?.signal);
    return { messageId };
  }
}
