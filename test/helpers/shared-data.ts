import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** ../shared/data beside the checkout (CI always has it); tests that need it skip without it. */
export const SHARED_DATA = join(import.meta.dirname, '..', '..', '..', 'shared', 'data');

export function sharedData(...parts: string[]): string | null {
  const p = join(SHARED_DATA, ...parts);
  return existsSync(p) ? p : null;
}

export function skipReason(path: string): string {
  return `real data not found (${join(SHARED_DATA, path)}): skipped`;
}
