/**
 * `ref.result({ timeoutMs })` rejects with TaskResultTimeoutError, and a
 * caller that handles it keeps its process: checked in a plain Node process
 * (Node's default `--unhandled-rejections=throw`, as in an application).
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Injectable } from '@nestjs/common';
import { QueuedTask, TaskQueue, TaskResultTimeoutError } from '../lib/index.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { byAnyName } from './support/by-any-name.js';
import { sleep } from './support/wait-for.js';

@Injectable()
class WaitedTasks {
  @QueuedTask({ name: 'waited.run', queue: 'waited' })
  async run(): Promise<void> {}
}

/**
 * A plain Node process (Node's default --unhandled-rejections=throw, as in an application) that enqueues a task,
 * awaits `ref.result({ timeoutMs })` and handles its rejection, then lives on for 300 ms.
 * Uses the build of lib/ that `tsc -p tsconfig.json` writes to build-test/ before Jest runs.
 */
function childScript(url: string, timeoutMs: number): string {
  const lib = pathToFileURL(resolve('build-test/lib/index.js')).href;
  return `
import 'reflect-metadata';
import { Module, Injectable } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { QueuedTasksModule, QueuedTask, TaskQueue } from ${JSON.stringify(lib)};
class T { async run() {} }
QueuedTask({ name: 'waited.run', queue: 'waited' })(T.prototype, 'run', Object.getOwnPropertyDescriptor(T.prototype, 'run'));
Injectable()(T);
class M {}
Module({ imports: [QueuedTasksModule.forRoot({ connection: { url: ${JSON.stringify(url)} }, worker: { enabled: false } })], providers: [T] })(M);
const app = await NestFactory.createApplicationContext(M, { logger: false });
const ref = await app.get(TaskQueue).add('waited.run', []);
const outcome = await ref.result({ timeoutMs: ${timeoutMs} }).then(() => 'resolved', (e) => 'rejected ' + e.constructor.name);
console.log('result(): ' + outcome);
await new Promise((r) => setTimeout(r, 300));
await app.close();
console.log('closed');
`;
}

function runChild(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), timeout: 30_000 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr: stderr.split('\n').slice(0, 6).join('\n') });
    });
  });
}

describe('ref.result() with a short timeout', () => {
  const { db, track } = useTestDatabase();

  // A timer firing before result()'s first read of the task returned (timeoutMs 0–5 on an idle machine) rejected the
  // waiter's promise before result() had handed it to the caller: Node reported an unhandled rejection and the process
  // exited with code 1, although the caller handled result()'s rejection (found by a black-box review).
  it('a process whose handled result({ timeoutMs: 0 | 1 | 2 }) times out keeps running (no unhandled rejection)', async () => {
    const outcomes: Record<number, unknown> = {};
    for (const timeoutMs of [0, 1, 2]) {
      const { code, stdout, stderr } = await runChild(childScript(db().url, timeoutMs));
      outcomes[timeoutMs] = { code, stdout: stdout.trim(), ...(code === 0 ? {} : { stderr }) };
    }
    const expected = { code: 0, stdout: 'result(): rejected TaskResultTimeoutError\nclosed' };
    expect(outcomes).toEqual({ 0: expected, 1: expected, 2: expected });
  }, 120_000);

  // The same calls inside one Jest process, for reference (passes here: Jest attaches to the process differently).
  it('rejects with TaskResultTimeoutError (in-process)', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [WaitedTasks], worker: { enabled: false } }));
    const tasks = byAnyName(app.get(TaskQueue));
    for (const timeoutMs of [0, 1, 2]) {
      const ref = await tasks.add('waited.run', []);
      await expect(ref.result({ timeoutMs })).rejects.toBeInstanceOf(TaskResultTimeoutError);
    }
    await sleep(300);
  });
});
