import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/**
 * Nest's console logger without stack traces: the suite's handlers fail on
 * purpose, and the queue logs each final failure with its stack. The line
 * itself still prints, so an unexpected error remains visible.
 */
export class NoStackLogger extends ConsoleLogger {
  constructor(levels: LogLevel[] = ['error']) {
    super({ logLevels: levels });
  }

  protected override printStackTrace(): void {}
}
