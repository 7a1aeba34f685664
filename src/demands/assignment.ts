/**
 * Who handles a demand (issue 11 §1, domain.md §3): the network of the eligibility result when
 * the eligibility engine assigns it (eligible, or nearer than 500 m; never an untraced network:
 * `assigned_network_id`, checked against FCU's own fixtures in test/real), provided the network
 * has an SNCU id, which is what operator keys are bound to; otherwise the territory's advisors.
 */
import type { EligibilityAnswer } from '../networks/eligibility-service.js';

export type Assignment =
  | { assignedTo: 'network'; network: { id_fcu: number; sncu_id: string; name: string | null } }
  | { assignedTo: 'territory' };

export function assignmentOf(a: Pick<EligibilityAnswer, 'assigned_network_id' | 'network'>): Assignment {
  const n = a.network;
  if (a.assigned_network_id !== null && n && n.id_fcu === a.assigned_network_id && n.sncu_id)
    return {
      assignedTo: 'network',
      network: { id_fcu: n.id_fcu, sncu_id: n.sncu_id.toUpperCase(), name: n.name },
    };
  return { assignedTo: 'territory' };
}
