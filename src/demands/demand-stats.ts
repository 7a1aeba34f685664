/**
 * Anonymous counts of demands for the public statistics (issue 11 §4): the live demands and the
 * erased ones (demands.erased_count) on the same keys, so a withdrawal or a purge never lowers a
 * count. Counts only: no id, no address, no person.
 */
import type { Queryable } from '../store/store.js';

export interface DemandCountRow {
  /** Month of the request, YYYY-MM (UTC). */
  month: string;
  code_departement_insee: string;
  /** SNCU id of the network it was assigned to; '' when assigned to the territory. */
  network_sncu_id: string;
  eligibility_type: string;
  eligible: boolean;
  requester_type: string;
  /** The current status, or the last one before erasure. */
  status: string;
  n: number;
}

export async function demandCounts(db: Queryable): Promise<DemandCountRow[]> {
  return db.query<DemandCountRow>(
    `SELECT month, code_departement_insee, network_sncu_id, eligibility_type, eligible, requester_type, status,
            sum(n)::int AS n
       FROM (
         SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, coalesce(code_departement_insee, '') AS code_departement_insee,
                CASE WHEN assigned_to = 'network' THEN network_sncu_id ELSE '' END AS network_sncu_id,
                eligibility_type, eligible, requester_type, status, 1 AS n
           FROM demands.demand
         UNION ALL
         SELECT month, code_departement_insee, network_sncu_id, eligibility_type, eligible, requester_type, status, n
           FROM demands.erased_count) c
      GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
  );
}
