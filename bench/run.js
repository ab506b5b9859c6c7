// Entry point of `npm run bench`. Uses only Node built-ins until it has made
// sure that (1) bench/'s own dependencies (the peer queues, embedded
// PostgreSQL) are installed, since the root `npm install` does not install
// them, and (2) the library is built (dist/lib/index.js not older than lib/).
// Then it hands over to lib/main.js.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const benchDir = import.meta.dirname;
const rootDir = path.resolve(benchDir, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function benchDepsInstalled() {
  const { devDependencies = {} } = JSON.parse(readFileSync(path.join(benchDir, 'package.json'), 'utf8'));
  return Object.keys(devDependencies).every((name) => existsSync(path.join(benchDir, 'node_modules', name, 'package.json')));
}

function installBenchDeps() {
  const hasLock = existsSync(path.join(benchDir, 'package-lock.json'));
  const args = [hasLock ? 'ci' : 'install', '--no-audit', '--no-fund'];
  console.log(`bench: installing benchmark dependencies (npm ${args[0]} in bench/)...`);
  const r = spawnSync(npm, args, { cwd: benchDir, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('bench: could not install bench/ dependencies; see the npm output above.');
    process.exit(1);
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

// A failed build is not fatal: the other systems still run, and the
// nestjs-queued-tasks row says why it was skipped.
function buildLibraryIfStale() {
  const libDir = path.join(rootDir, 'lib');
  const entry = path.join(rootDir, 'dist', 'lib', 'index.js');
  if (!existsSync(libDir)) return;
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(libDir)) return;
  console.log('bench: dist/lib/index.js is missing or older than lib/, running `npm run build`...');
  const r = spawnSync(npm, ['run', 'build'], { cwd: rootDir, stdio: 'inherit' });
  if (r.status !== 0) console.warn('bench: `npm run build` failed; nestjs-queued-tasks will be skipped.');
}

if (!benchDepsInstalled()) installBenchDeps();
buildLibraryIfStale();
await import('./lib/main.js');
