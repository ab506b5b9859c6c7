#!/usr/bin/env bash
# Builds and packs the library, installs the tarball into a new ESM app with
# its peer dependencies, then imports it and type-checks a file against it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
npm run build >/dev/null
TARBALL="$ROOT/$(npm pack --silent | tail -1)"
APP="$(mktemp -d)"
trap 'rm -rf "$APP" "$TARBALL"' EXIT
cd "$APP"
cat > package.json <<'JSON'
{ "name": "fresh-app", "private": true, "type": "module" }
JSON
versions() { node -e "const p=require('$ROOT/package.json'); console.log(Object.entries(p.peerDependencies).map(([n,v])=>n+'@'+v).join(' '))"; }
npm install --no-audit --no-fund --prefer-offline "$TARBALL" $(versions) typescript@^6 @types/node@^20 >/dev/null
CONTENTS="$(tar -tzf "$TARBALL")"
grep -q 'package/dist/migrations/1732147200000-create-queued-tasks-tables.js' <<<"$CONTENTS"
cat > check.mjs <<'JS'
import 'reflect-metadata';
import { QueuedTasksModule, QueuedTask, TaskQueue, queuedTasksMigrations, NonRetryableError } from 'nestjs-queued-tasks';
for (const [name, value] of Object.entries({ QueuedTasksModule, QueuedTask, TaskQueue, queuedTasksMigrations, NonRetryableError })) {
  if (typeof value !== 'function') throw new Error(`${name} is not exported`);
}
if (queuedTasksMigrations().length < 1) throw new Error('no migrations in the package');
console.log('package imports fine');
JS
node check.mjs
cat > check.ts <<'TS'
import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { QueuedTask, TaskQueue, type TaskRef } from 'nestjs-queued-tasks';
@Injectable()
class Mail {
  @QueuedTask({ name: 'mail' })
  async send(to: string): Promise<number> { return to.length; }
}
export async function enqueue(tasks: TaskQueue): Promise<TaskRef<number>> {
  return tasks.add(Mail, 'send', ['a@b.c']);
}
TS
npx tsc --module nodenext --moduleResolution nodenext --target es2022 --experimentalDecorators --emitDecoratorMetadata --strict --skipLibCheck --noEmit check.ts
echo "package type-checks fine"
