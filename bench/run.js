// Entry point of `npm run bench`. Uses only Node built-ins until it has made
// sure that (1) bench/'s own dependencies (the peer queues, embedded
// PostgreSQL) are installed, since the root `npm install` does not install
// them, and (2) the library is built (dist/lib/index.js not older than lib/).
// Then it hands over to lib/main.js.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
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

// BASELINE_REF=<commit>: that commit's library, built into
// bench/.baseline/<commit> (its files from `git archive`, the repository's
// node_modules linked in), runs as a second "ours" row. A failed build only
// skips that row.
function buildBaseline(ref) {
  const git = (...args) => spawnSync('git', args, { cwd: rootDir, encoding: 'utf8' });
  const resolved = git('rev-parse', '--short', `${ref}^{commit}`);
  if (resolved.status !== 0) {
    console.warn(`bench: BASELINE_REF=${ref} is not a commit of this repository; the baseline row will be skipped.`);
    return;
  }
  const commit = resolved.stdout.trim();
  const dir = path.join(benchDir, '.baseline', commit);
  if (!existsSync(path.join(dir, 'dist', 'lib', 'index.js'))) {
    console.log(`bench: building the baseline ${ref} (${commit}) into bench/.baseline/${commit}...`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const archive = spawnSync('sh', ['-c', `git archive ${commit} lib migrations package.json tsconfig.json tsconfig.build.json | tar -x -C "${dir}"`], {
      cwd: rootDir,
      stdio: 'inherit',
    });
    symlinkSync(path.join(rootDir, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const build = archive.status === 0 ? spawnSync(npm, ['run', 'build'], { cwd: dir, stdio: 'inherit' }) : archive;
    if (build.status !== 0) {
      console.warn(`bench: building the baseline ${commit} failed; its row will be skipped.`);
      return;
    }
  }
  process.env.QT_BENCH_BASELINE_DIR = dir;
  process.env.QT_BENCH_BASELINE_LABEL = `${ref} (${commit})`;
}

if (!benchDepsInstalled()) installBenchDeps();
buildLibraryIfStale();
if (process.env.BASELINE_REF) buildBaseline(process.env.BASELINE_REF);
await import('./lib/main.js');
