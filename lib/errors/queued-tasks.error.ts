/**
 * Base class of every error this library throws, so callers can tell ours
 * apart with one `instanceof`.
 */
export class QueuedTasksError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
