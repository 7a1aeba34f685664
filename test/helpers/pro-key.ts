import type { InjectOptions } from 'fastify';
import { createKey } from '../../src/auth/keys.js';
import type { Store } from '../../src/store/store.js';

/** Injected requests of the pro routes (bulk jobs, prospects) carry a pro key made in the test database. */
export function proKey(): {
  make(store: Store): Promise<void>;
  with(o: InjectOptions | string): InjectOptions;
} {
  let token = '';
  return {
    async make(store) {
      token = (await createKey(store, { role: 'pro', label: 'tests' })).token;
    },
    with(o) {
      const opts = typeof o === 'string' ? { url: o } : o;
      return { ...opts, headers: { ...(opts.headers ?? {}), authorization: `Bearer ${token}` } };
    },
  };
}
