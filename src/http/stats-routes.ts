import type { FastifyInstance } from 'fastify';
import {
  REQUESTER_TYPES,
  REQUESTER_TYPE_LABELS,
  STATUSES,
  STATUS_LABELS,
  type RequesterType,
  type DemandStatus,
} from '../demands/api-types.js';
import { demandCounts } from '../demands/demand-stats.js';
import type { Store } from '../store/store.js';
import { singleTestCounter } from '../stats/usage.js';

/** The answer of GET /v1/stats: counts only, never a person. */
export interface PublicStats {
  generated_at: string;
  addresses_tested: {
    total: number;
    single: number;
    bulk: number;
    eligible: number;
    eligible_share: number | null;
  };
  demands: {
    total: number;
    eligible: number;
    eligible_share: number | null;
    assigned_to_network: number;
    assigned_to_territory: number;
    per_status: { status: DemandStatus; label: string; n: number }[];
    per_network: { sncu_id: string; name: string | null; n: number }[];
    per_requester_type: { code: RequesterType; label: string; n: number }[];
  };
  per_month: {
    month: string;
    tests_single: number;
    tests_bulk: number;
    tests_eligible: number;
    demands: number;
  }[];
}

const int = { type: 'integer' } as const;
const share = { type: ['number', 'null'], description: 'part (0 à 1), null sans dénominateur' } as const;

const share2 = (part: number, total: number) => (total ? Math.round((part / total) * 10000) / 10000 : null);

/** Public statistics (issue 11 §4): eligibility tests and contact requests, counted. */
export function statsRoutes(app: FastifyInstance, store: Store): void {
  const counter = singleTestCounter(app, store);
  app.get(
    '/v1/stats',
    {
      schema: {
        tags: ['statistiques'],
        summary:
          'Statistiques publiques : adresses testées (unitaire et en masse), part éligible, demandes envoyées par statut, par réseau et par mois — des comptes, jamais une personne',
        response: {
          200: {
            type: 'object',
            properties: {
              generated_at: { type: 'string' },
              addresses_tested: {
                type: 'object',
                properties: { total: int, single: int, bulk: int, eligible: int, eligible_share: share },
              },
              demands: {
                type: 'object',
                properties: {
                  total: int,
                  eligible: int,
                  eligible_share: share,
                  assigned_to_network: int,
                  assigned_to_territory: int,
                  per_status: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: { status: { type: 'string' }, label: { type: 'string' }, n: int },
                    },
                  },
                  per_network: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: { sncu_id: { type: 'string' }, name: { type: ['string', 'null'] }, n: int },
                    },
                  },
                  per_requester_type: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: { code: { type: 'string' }, label: { type: 'string' }, n: int },
                    },
                  },
                },
              },
              per_month: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    month: { type: 'string', description: 'AAAA-MM (UTC)' },
                    tests_single: int,
                    tests_bulk: int,
                    tests_eligible: int,
                    demands: int,
                  },
                },
              },
            },
          },
        },
      },
    },
    async (_req, reply) => {
      // this process's tests counted so far are written first: the page shows them at once
      await counter
        .flush()
        .catch((err: unknown) => app.log.error(err, 'eligibility test counts not written'));
      const tests = await store.query<{
        month: string;
        kind: 'single' | 'bulk';
        n: number;
        eligible: number;
      }>(
        `SELECT to_char(day, 'YYYY-MM') AS month, kind, sum(n)::bigint AS n, sum(eligible)::bigint AS eligible
           FROM stats.eligibility_test GROUP BY 1, 2 ORDER BY 1, 2`,
      );
      const demands = await demandCounts(store);
      const months = new Map<string, PublicStats['per_month'][number]>();
      const month = (m: string) => {
        let r = months.get(m);
        if (!r)
          months.set(m, (r = { month: m, tests_single: 0, tests_bulk: 0, tests_eligible: 0, demands: 0 }));
        return r;
      };
      const tested = { total: 0, single: 0, bulk: 0, eligible: 0 };
      for (const t of tests) {
        const n = Number(t.n);
        const e = Number(t.eligible);
        const r = month(t.month);
        if (t.kind === 'single') r.tests_single += n;
        else r.tests_bulk += n;
        r.tests_eligible += e;
        tested[t.kind] += n;
        tested.total += n;
        tested.eligible += e;
      }
      const byStatus = new Map<string, number>();
      const byNetwork = new Map<string, number>();
      const byType = new Map<string, number>();
      const d = { total: 0, eligible: 0, network: 0, territory: 0 };
      for (const c of demands) {
        d.total += c.n;
        if (c.eligible) d.eligible += c.n;
        if (c.network_sncu_id) {
          d.network += c.n;
          byNetwork.set(c.network_sncu_id, (byNetwork.get(c.network_sncu_id) ?? 0) + c.n);
        } else d.territory += c.n;
        byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + c.n);
        byType.set(c.requester_type, (byType.get(c.requester_type) ?? 0) + c.n);
        month(c.month).demands += c.n;
      }
      const names = new Map<string, string | null>();
      if (byNetwork.size)
        for (const r of await store.query<{ sncu_id: string; name: string | null }>(
          `SELECT DISTINCT ON (sncu_id) sncu_id, name FROM fcu.network
            WHERE sncu_id = ANY($1::text[]) ORDER BY sncu_id, (name IS NULL), id_fcu`,
          [[...byNetwork.keys()]],
        ))
          names.set(r.sncu_id, r.name);
      const body: PublicStats = {
        generated_at: new Date().toISOString(),
        addresses_tested: { ...tested, eligible_share: share2(tested.eligible, tested.total) },
        demands: {
          total: d.total,
          eligible: d.eligible,
          eligible_share: share2(d.eligible, d.total),
          assigned_to_network: d.network,
          assigned_to_territory: d.territory,
          per_status: STATUSES.map((s) => ({ status: s, label: STATUS_LABELS[s], n: byStatus.get(s) ?? 0 })),
          per_network: [...byNetwork]
            .map(([sncu_id, n]) => ({ sncu_id, name: names.get(sncu_id) ?? null, n }))
            .sort((a, b) => b.n - a.n || a.sncu_id.localeCompare(b.sncu_id)),
          per_requester_type: REQUESTER_TYPES.map((code) => ({
            code,
            label: REQUESTER_TYPE_LABELS[code],
            n: byType.get(code) ?? 0,
          })),
        },
        per_month: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)),
      };
      return reply.header('cache-control', 'no-cache').send(body);
    },
  );
}
