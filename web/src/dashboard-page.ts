import { ApiError, getJson, qs } from './api.js';
import { barChart, hBarChart } from './charts.js';
import { announce, h } from './dom.js';
import { DPE_COLORS, LABELS, num, pct } from './format.js';

type Share = { part: number | null; n: number; sur: number } | null | undefined;
interface Indicators {
  niveau: string;
  code: string;
  libelle?: string | null;
  annee?: number | null;
  batiments?: { total?: number; residentiels?: number; logements?: number };
  dpe?: {
    batiments_avec_dpe?: number;
    etiquettes?: Record<string, { batiments: number; logements: number }>;
    passoires_f_g?: { batiments: number; logements: number; part_batiments?: Share; part_logements?: Share };
    passoires_f_g_facteur_2026?: { part_batiments?: Share };
    couverture_batiments_residentiels?: Share;
  };
  chauffage?: { energie?: Record<string, number>; installation?: Record<string, number> };
  renovations?: {
    total?: number;
    performantes?: number;
    par_annee?: Record<string, { total: number; performantes: number }>;
  };
}

const LEVELS: [string, string][] = [
  ['commune', 'Commune'],
  ['epci', 'Intercommunalité (EPCI)'],
  ['departement', 'Département'],
  ['iris', 'IRIS'],
];

/** The territories of a level: départements are read off the communes (one cheap call). */
async function territories(level: string): Promise<{ code: string; name: string }[]> {
  const dept = level === 'departement';
  const r = await getJson<{ results: Indicators[] }>(
    `/v1/indicators?${qs({ level: dept ? 'commune' : level })}`,
  );
  const list = dept
    ? [
        ...new Set(r.results.map((t) => (t.code.startsWith('97') ? t.code.slice(0, 3) : t.code.slice(0, 2)))),
      ].map((c) => ({
        code: c,
        name: `Département ${c}`,
      }))
    : r.results.map((t) => ({ code: t.code, name: t.libelle ?? t.code }));
  return list.sort((a, b) => a.name.localeCompare(b.name, 'fr'));
}

const share = (x: Share) => (x && typeof x.part === 'number' ? pct(x.part) : '—');

function stat(label: string, v: string, testid?: string): HTMLElement {
  return h(
    'div',
    { class: 'stat' },
    h('p', { class: 'stat-value', 'data-testid': testid ?? null }, v),
    h('p', { class: 'stat-label' }, label),
  );
}

function render(ind: Indicators): HTMLElement {
  const labels = ind.dpe?.etiquettes ?? {};
  const years = Object.entries(ind.renovations?.par_annee ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const energies = Object.entries(ind.chauffage?.energie ?? {}).sort((a, b) => b[1] - a[1]);
  return h(
    'div',
    { class: 'dashboard', 'data-testid': 'dashboard' },
    h('h2', {}, `${ind.libelle ?? ind.code} (${ind.niveau} ${ind.code})`),
    h(
      'div',
      { class: 'stats' },
      stat('bâtiments', num(ind.batiments?.total ?? 0)),
      stat('logements', num(ind.batiments?.logements ?? 0)),
      stat('bâtiments avec un DPE', num(ind.dpe?.batiments_avec_dpe ?? 0)),
      stat(
        'des bâtiments avec DPE classés F ou G',
        share(ind.dpe?.passoires_f_g?.part_batiments),
        'fg-share',
      ),
      stat(
        'classés F ou G avec le facteur électricité 2026',
        share(ind.dpe?.passoires_f_g_facteur_2026?.part_batiments),
      ),
      stat('rénovations détectées', num(ind.renovations?.total ?? 0)),
    ),
    h(
      'div',
      { class: 'charts' },
      barChart(
        'Répartition des bâtiments par étiquette DPE',
        LABELS.map((l) => ({ label: l, value: labels[l]?.batiments ?? 0, color: DPE_COLORS[l] })),
        { testid: 'chart-dpe', unit: 'Bâtiments' },
      ),
      barChart(
        'Part des passoires énergétiques (F et G)',
        [
          {
            label: 'bâtiments',
            value: Math.round((ind.dpe?.passoires_f_g?.part_batiments?.part ?? 0) * 1000) / 10,
            color: DPE_COLORS.F,
          },
          {
            label: 'logements',
            value: Math.round((ind.dpe?.passoires_f_g?.part_logements?.part ?? 0) * 1000) / 10,
            color: DPE_COLORS.G,
          },
          {
            label: 'bâtiments (2026)',
            value: Math.round((ind.dpe?.passoires_f_g_facteur_2026?.part_batiments?.part ?? 0) * 1000) / 10,
            color: '#A14B00',
          },
        ],
        { testid: 'chart-fg', unit: '%' },
      ),
      barChart(
        'Rénovations détectées par année',
        years.map(([y, r]) => ({ label: y, value: r.total, inner: r.performantes, color: '#6A6AF4' })),
        { testid: 'chart-renovations', innerLabel: 'dont performantes', unit: 'Rénovations' },
      ),
      hBarChart(
        'Énergie de chauffage (bâtiments avec DPE)',
        energies.map(([k, v]) => ({ label: k, value: v, color: '#3558A2' })),
        { testid: 'chart-heating' },
      ),
    ),
  );
}

/** Territory dashboards from GET /v1/indicators, with CSV export. */
export async function dashboardPage(main: HTMLElement): Promise<void> {
  const params = new URLSearchParams(location.search);
  const level = h(
    'select',
    { id: 'niveau', name: 'level' },
    LEVELS.map(([v, l]) => h('option', { value: v }, l)),
  );
  level.value = params.get('level') ?? 'commune';
  const territory = h('select', { id: 'territoire', name: 'code' });
  const year = h('input', {
    id: 'annee',
    name: 'year',
    type: 'number',
    min: 1900,
    max: 2100,
    inputmode: 'numeric',
    value: params.get('year') ?? '',
  });
  const out = h('div', { 'aria-live': 'polite' });
  const csv = h(
    'a',
    { class: 'button secondary', href: '#', download: 'indicateurs.csv' },
    'Télécharger en CSV',
  );

  const loadTerritories = async () => {
    territory.replaceChildren(h('option', { value: '' }, 'Chargement…'));
    try {
      const list = await territories(level.value);
      territory.replaceChildren(...list.map((t) => h('option', { value: t.code }, `${t.name} (${t.code})`)));
      const wanted = params.get('code');
      if (wanted && list.some((t) => t.code === wanted)) territory.value = wanted;
    } catch (err) {
      territory.replaceChildren();
      out.replaceChildren(
        h(
          'p',
          { class: 'error', role: 'alert' },
          `Les territoires n’ont pas pu être chargés : ${(err as Error).message}`,
        ),
      );
    }
  };

  const show = async () => {
    const q = { level: level.value, code: territory.value || undefined, year: year.value || undefined };
    csv.setAttribute('href', `/v1/indicators?${qs({ ...q, format: 'csv' })}`);
    history.replaceState(null, '', `?${qs(q)}`);
    out.replaceChildren(h('p', { class: 'loading' }, 'Calcul des indicateurs…'));
    try {
      const r = await getJson<{ results: Indicators[] }>(`/v1/indicators?${qs(q)}`);
      const [first] = r.results;
      out.replaceChildren(first ? render(first) : h('p', {}, 'Aucun indicateur pour ce territoire.'));
      if (first) announce(`Indicateurs de ${first.libelle ?? first.code} affichés.`);
    } catch (err) {
      out.replaceChildren(
        h('p', { class: 'error', role: 'alert' }, err instanceof ApiError ? err.message : String(err)),
      );
    }
  };

  const form = h(
    'form',
    { class: 'filters' },
    h('div', { class: 'field' }, h('label', { for: 'niveau' }, 'Niveau'), level),
    h('div', { class: 'field' }, h('label', { for: 'territoire' }, 'Territoire'), territory),
    h('div', { class: 'field' }, h('label', { for: 'annee' }, 'Année (facultatif)'), year),
    h('button', { type: 'submit', class: 'button' }, 'Afficher'),
    csv,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void show();
  });
  level.addEventListener('change', () => void loadTerritories().then(show));

  main.replaceChildren(
    h(
      'div',
      { class: 'page wide' },
      h('h1', {}, 'Tableaux de bord de la rénovation'),
      h(
        'p',
        {},
        'Étiquettes DPE, passoires énergétiques, rénovations et modes de chauffage, par territoire. Sources : BDNB, DPE de l’ADEME.',
      ),
      form,
      out,
    ),
  );
  await loadTerritories();
  await show();
}
