import type { LogLevel } from '@nestjs/common';
import { NoStackLogger } from './no-stack-logger.js';

/**
 * Keeps what the application logs at the levels given instead of printing
 * it, errors aside: those still print (without stacks), so an unexpected one
 * stays visible.
 */
export class LogLines extends NoStackLogger {
  readonly lines: { level: LogLevel; message: string }[] = [];

  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel, ...rest: never[]): void {
    if (logLevel === 'error' || logLevel === 'fatal') return super.printMessages(messages, context, logLevel, ...rest);
    for (const message of messages) this.lines.push({ level: logLevel ?? 'log', message: String(message) });
  }

  /** Messages at `level` that contain `text`. */
  find(level: LogLevel, text: string): string[] {
    return this.lines.filter((line) => line.level === level && line.message.includes(text)).map((line) => line.message);
  }
}
