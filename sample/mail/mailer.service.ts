import { Injectable, Logger } from '@nestjs/common';

/**
 * Stands in for a real mail provider: slow, and failing now and then the way
 * remote APIs do, so that retries can be seen at work.
 */
@Injectable()
export class Mailer {
  private readonly logger = new Logger(Mailer.name);
  private readonly failureRate = Number(process.env.MAIL_FAILURE_RATE ?? 0.3);

  async send(to: string, subject: string, signal?: AbortSignal): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 200));
    signal?.throwIfAborted();
    if (Math.random() < this.failureRate) throw new Error('mail provider timed out (simulated)');
    const messageId = `msg-${Date.now().toString(36)}`;
    this.logger.log(`sent "${subject}" to ${to} (${messageId})`);
    return messageId;
  }
}
