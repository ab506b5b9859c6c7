import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../lib/embedded-database/free-port.js';
import { isProcessAlive } from '../lib/embedded-database/process-alive.js';
import { removeEmbeddedDataDir } from './support/embedded-server-state.js';
import { waitFor } from './support/wait-for.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const aliasHooks = join(root, 'build-test', 'test', 'support', 'package-alias', 'register.js');

/**
 * The sample's two processes side by side, as the README runs them (`npm
 * start` and `npm run start:worker`), without DATABASE_URL: both on the
 * embedded database in `.pgdata/` of their working folder (a fresh one
 * here). They used to start a server each on that folder, and the second
 * crashed. Run from build-test/, with the package's name resolved to the
 * library compiled there.
 */
describe('sample: web and worker processes together', () => {
  let cwd: string;
  const started: SampleProcess[] = [];

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'qt-sample-'));
    // As a project folder is: run as root, PostgreSQL runs as user postgres, which must reach .pgdata/ inside.
    chmodSync(cwd, 0o755);
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((sample) => sample.kill('SIGKILL')));
    await removeEmbeddedDataDir(join(cwd, '.pgdata'));
    rmSync(cwd, { recursive: true, force: true });
  });

  it('boots both at once on one embedded database; the worker runs what the web enqueues; Ctrl+C stops both and the database', async () => {
    const port = await freePort();
    // The web node only enqueues, so a task that completes was run by the worker process.
    const web = startSample('main.js', { PORT: String(port), WORKERS: 'off' });
    const worker = startSample('main.worker.js', {});
    started.push(web, worker);
    await Promise.all([web.waitForOutput('Sample listening'), worker.waitForOutput('Worker running')]);

    const base = `http://127.0.0.1:${port}`;
    const created = await fetch(`${base}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ann@example.com', name: 'Ann' }),
    });
    const { status } = (await created.json()) as { status: string };
    const task = (await (await fetch(`${base}${status}?waitMs=10000`)).json()) as { state: string };
    expect(task).toMatchObject({ state: 'completed', name: 'mail.welcome' });

    const record = join(cwd, '.pgdata', 'server.json');
    const { postmasterPid } = JSON.parse(readFileSync(record, 'utf8')) as { postmasterPid: number };
    expect(await web.interrupt()).toBe(0);
    expect(await worker.interrupt()).toBe(0);
    await waitFor(() => !existsSync(record) && !isProcessAlive(postmasterPid), 15_000, 'the embedded database to stop');
  });

  function startSample(script: string, env: Record<string, string>): SampleProcess {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, MAIL_FAILURE_RATE: '0', ...env };
    delete childEnv.DATABASE_URL;
    const child = spawn(process.execPath, ['--import', aliasHooks, join(root, 'build-test', 'sample', script)], {
      cwd,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new SampleProcess(script, child);
  }
});

/** A sample process whose output is kept, for waiting on it and for failure messages. */
class SampleProcess {
  private output = '';
  private readonly exited: Promise<number | null>;

  constructor(
    private readonly script: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Resolves once the output holds `text`; fails the test if the process exits first. */
  async waitForOutput(text: string, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      () => {
        if (this.output.includes(text)) return true;
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          throw new Error(`${this.script} exited (${this.child.signalCode ?? `code ${this.child.exitCode}`}) before printing "${text}":\n${this.output}`);
        }
        return false;
      },
      timeoutMs,
      `"${text}" from ${this.script}:\n${this.output}`,
    );
  }

  /** Ctrl+C: @returns the exit code. */
  interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}
