/**
 * Which demands a key sees (issue 11 §2), as one SQL predicate so lists, exports, reminders and
 * single reads agree: admins all; operators the demands assigned to a network whose SNCU id the
 * key is bound to; advisors the demands assigned to the territory (département or EPCI) of their
 * key. A demand outside the scope is answered as absent (404), never as forbidden.
 */
import type { ApiKey } from '../auth/keys.js';

export type ScopeKey = Pick<ApiKey, 'role' | 'territories' | 'networks'>;

/** The predicate on demand alias `d`, its values pushed onto `params`. */
export function scopeSql(key: ScopeKey, d: string, params: unknown[]): string {
  if (key.role === 'admin') return 'TRUE';
  if (key.role === 'operator') {
    params.push(key.networks);
    return `(${d}.assigned_to = 'network' AND ${d}.network_sncu_id = ANY($${params.length}::text[]))`;
  }
  if (key.role === 'advisor') {
    params.push(key.territories);
    const t = `$${params.length}::text[]`;
    return `(${d}.assigned_to = 'territory' AND (${d}.code_departement_insee = ANY(${t}) OR ${d}.code_epci_insee = ANY(${t})))`;
  }
  return 'FALSE';
}
