import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';
import { bearerOf } from './auth.js';
import { HttpError } from './errors.js';

/** Requests per minute: per client IP without a key, per key with one. */
export interface RateLimits {
  perIp: number;
  perKey: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perIp: 1200, perKey: 12000 };

/**
 * `BATID_RATE_LIMIT`: `off`, or `ip=1200,key=12000` (requests per minute; either part may be
 * left out and keeps its default).
 */
export function parseRateLimits(v: string | undefined): RateLimits | false {
  if (v === undefined || v.trim() === '') return DEFAULT_RATE_LIMITS;
  if (v.trim() === 'off') return false;
  const out = { ...DEFAULT_RATE_LIMITS };
  for (const part of v.split(',')) {
    const m = /^\s*(ip|key)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m || Number(m[2]) < 1)
      throw new Error(`BATID_RATE_LIMIT: expected "off" or "ip=N,key=N" (requests per minute), got "${v}"`);
    if (m[1] === 'ip') out.perIp = Number(m[2]);
    else out.perKey = Number(m[2]);
  }
  return out;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_BUCKETS = 100_000;

/**
 * Token buckets in memory (one process; `serve --workers N` gives each worker its own): a
 * client may burst up to its per-minute limit, then gets 429 with Retry-After. A request with a
 * valid key counts against the key, others against their IP (a made-up key counts as the IP).
 */
export function rateLimit(app: FastifyInstance, store: Store, limits: RateLimits): void {
  const buckets = new Map<string, Bucket>();
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'OPTIONS') return;
    // a made-up or revoked key counts against the IP (the access hook answers 401 after)
    const { key } = await bearerOf(store, req);
    const id = key ? `k:${key.id}` : `ip:${req.ip}`;
    const limit = key ? limits.perKey : limits.perIp;
    const perMs = limit / 60_000;
    const now = Date.now();
    let b = buckets.get(id);
    if (!b) {
      if (buckets.size >= MAX_BUCKETS) {
        // drop the full buckets (idle clients) first
        for (const [k, v] of buckets) if (v.tokens + (now - v.at) * perMs >= limit) buckets.delete(k);
        if (buckets.size >= MAX_BUCKETS) buckets.clear();
      }
      b = { tokens: limit, at: now };
      buckets.set(id, b);
    }
    b.tokens = Math.min(limit, b.tokens + (now - b.at) * perMs);
    b.at = now;
    void reply.header('ratelimit-limit', String(limit));
    if (b.tokens < 1) {
      const retry = Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
      void reply.header('retry-after', String(retry)).header('ratelimit-remaining', '0');
      throw new HttpError(
        429,
        'rate_limited',
        `too many requests from this ${key ? 'key' : 'client'}: ${limit} per minute; retry in ${retry} s`,
      );
    }
    b.tokens -= 1;
    void reply.header('ratelimit-remaining', String(Math.floor(b.tokens)));
  });
}
