import { getJson } from './api.js';
import { barChart, hBarChart } from './charts.js';
import { h } from './dom.js';
import { num, pct } from './format.js';
import type { PublicStats } from '../../src/http/stats-routes.js';

function stat(label: string, v: string, testid: string): HTMLElement {
  return h(
    'div',
    { class: 'stat' },
    h('p', { class: 'stat-value', 'data-testid': testid }, v),
    h('p', { class: 'stat-label' }, label),
  );
}

const share = (x: number | null) => (x === null ? '—' : pct(x));
const short = (t: string) => (t.length > 34 ? `${t.slice(0, 33)}…` : t);
const monthLabel = (m: string) => `${m.slice(5, 7)}/${m.slice(0, 4)}`;

/** /stats: the public statistics (GET /v1/stats), counts only. */
export async function statsPage(main: HTMLElement): Promise<void> {
  main.replaceChildren(
    h(
      'div',
      { class: 'page wide' },
      h('h1', {}, 'Statistiques'),
      h('p', { class: 'loading' }, 'Chargement…'),
    ),
  );
  const s = await getJson<PublicStats>('/v1/stats');
  const t = s.addresses_tested;
  const d = s.demands;
  main.replaceChildren(
    h(
      'div',
      { class: 'page wide', 'data-testid': 'stats' },
      h('h1', {}, 'Statistiques'),
      h(
        'p',
        {},
        'L’usage du service : adresses testées et demandes de mise en relation envoyées aux gestionnaires de réseaux de chaleur. Des comptes seulement, jamais une personne ; les demandes retirées ou effacées restent comptées.',
      ),
      h('h2', {}, 'Adresses testées'),
      h(
        'div',
        { class: 'stats' },
        stat('adresses testées', num(t.total), 'stat-tested'),
        stat('tests unitaires', num(t.single), 'stat-tested-single'),
        stat('lignes de tests en masse', num(t.bulk), 'stat-tested-bulk'),
        stat('part éligible', share(t.eligible_share), 'stat-tested-eligible'),
      ),
      h('h2', {}, 'Demandes de mise en relation'),
      h(
        'div',
        { class: 'stats' },
        stat('demandes envoyées', num(d.total), 'stat-demands'),
        stat('part éligible', share(d.eligible_share), 'stat-demands-eligible'),
        stat('transmises à un réseau', num(d.assigned_to_network), 'stat-demands-network'),
        stat('transmises aux conseillers', num(d.assigned_to_territory), 'stat-demands-territory'),
      ),
      h(
        'div',
        { class: 'charts' },
        barChart(
          'Adresses testées par mois',
          s.per_month.map((m) => ({
            label: monthLabel(m.month),
            value: m.tests_single + m.tests_bulk,
            inner: m.tests_eligible,
            color: '#000091',
          })),
          {
            testid: 'chart-tests',
            unit: 'Adresses',
            innerLabel: 'dont éligibles',
            category: 'Mois',
            empty: 'Aucune adresse testée pour l’instant.',
          },
        ),
        barChart(
          'Demandes par mois',
          s.per_month.map((m) => ({ label: monthLabel(m.month), value: m.demands, color: '#6A6AF4' })),
          {
            testid: 'chart-demands-month',
            unit: 'Demandes',
            category: 'Mois',
            empty: 'Aucune demande pour l’instant.',
          },
        ),
        hBarChart(
          'Demandes par statut',
          d.per_status.map((r) => ({ label: r.label, value: r.n, color: '#00875A' })),
          { testid: 'chart-status' },
        ),
        hBarChart(
          'Demandes par réseau',
          d.per_network.map((r) => ({
            label: r.name ? `${short(r.name)} (${r.sncu_id})` : r.sncu_id,
            value: r.n,
            color: '#A14B00',
          })),
          {
            testid: 'chart-networks',
            labelWidth: 260,
            empty: 'Aucune demande transmise à un réseau pour l’instant.',
          },
        ),
        hBarChart(
          'Demandes par type de demandeur',
          d.per_requester_type.map((r) => ({ label: r.label, value: r.n, color: '#3558A2' })),
          { testid: 'chart-requesters', labelWidth: 260 },
        ),
      ),
      h(
        'p',
        { class: 'hint' },
        `Mis à jour le ${new Date(s.generated_at).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' })}. Données : `,
        h('a', { href: '/v1/stats' }, 'GET /v1/stats'),
        '.',
      ),
    ),
  );
}
