// Redis is only needed for the BullMQ-on-Redis row. A user without Redis gets
// a printed note instead of a failure, so the probe must answer fast.

import { Redis } from 'ioredis';

export function redisOptions(url) {
  return { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false, ...parse(url) };
}

function parse(url) {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    db: u.pathname && u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

// Resolves to { version, persistence } or throws with the reason it is unusable.
export async function probeRedis(url) {
  const client = new Redis({ ...parse(url), lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {}); // reported through connect()'s rejection instead
  try {
    await client.connect();
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    let persistence = 'unknown (CONFIG GET refused)';
    try {
      const [, aof] = await client.config('GET', 'appendonly');
      const [, fsync] = await client.config('GET', 'appendfsync');
      persistence = `appendonly=${aof}, appendfsync=${fsync}`;
    } catch {}
    return { version, persistence };
  } finally {
    client.disconnect();
  }
}

// Deletes every key of one measurement (its unique BullMQ prefix): the Redis
// counterpart of dropping the measurement's database.
export async function deleteKeys(url, prefix) {
  const client = new Redis({ ...parse(url), maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
