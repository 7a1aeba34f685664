import {
  accessMessage,
  authJson,
  downloadWithKey,
  energyReference,
  getApiKey,
  qs,
  type EnergyReference,
} from './api.js';
import { advisorKey, onKeyChange } from './advisor-key.js';
import { barChart } from './charts.js';
import { todayIso, type Project, type ProjectDashboard } from './copro-types.js';
import { announce, h, nextId } from './dom.js';
import { num, value } from './format.js';
import { projectView } from './project-view.js';

const STAGE_COLORS = ['#6A6AF4', '#000091', '#A14B00', '#00875A', '#3558A2'];

function stat(label: string, v: string, testid?: string): HTMLElement {
  return h(
    'div',
    { class: 'stat' },
    h('p', { class: 'stat-value', 'data-testid': testid ?? null }, v),
    h('p', { class: 'stat-label' }, label),
  );
}

function dashboard(d: ProjectDashboard, ref: EnergyReference): HTMLElement {
  const months = new Map<string, number>();
  for (const a of d.acts_per_month) months.set(a.month, (months.get(a.month) ?? 0) + a.n);
  const monthLabel = (m: string) => `${m.slice(5, 7)}/${m.slice(0, 4)}`;
  return h(
    'div',
    { class: 'dashboard', 'data-testid': 'projects-dashboard' },
    h(
      'div',
      { class: 'stats' },
      stat('projets', num(d.projects), 'projects-count'),
      stat('projets aux travaux réalisés ou en suivi', num(d.finished.projects)),
      stat('dont mesurés par les factures', num(d.finished.measured)),
      stat('kWh économisés par an (projets terminés)', num(d.finished.kwh_saved_per_year), 'kwh-saved'),
    ),
    h(
      'div',
      { class: 'charts' },
      barChart(
        'Projets par étape',
        ref.stages.map((s, i) => ({
          label: s.label,
          value: d.by_stage[s.code as keyof typeof d.by_stage] ?? 0,
          color: STAGE_COLORS[i],
        })),
        { testid: 'chart-stages', unit: 'Projets', category: 'Étape' },
      ),
      barChart(
        'Actes SARE par mois',
        [...months].map(([m, n]) => ({ label: monthLabel(m), value: n, color: '#000091' })),
        {
          testid: 'chart-acts',
          unit: 'Actes',
          category: 'Mois',
          empty: 'Aucun acte SARE enregistré sur ce territoire.',
          note: Object.keys(d.acts_by_code).length
            ? `Par acte : ${Object.entries(d.acts_by_code)
                .map(([c, n]) => `${c} ${num(n)}`)
                .join(', ')}.`
            : undefined,
        },
      ),
    ),
    d.finished.detail.length
      ? h(
          'table',
          { class: 'data-table', 'data-testid': 'kwh-saved-detail' },
          h('caption', {}, 'Économies mesurées des projets terminés'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Bâtiment', 'Fin des travaux', 'kWh économisés par an', 'Économie', 'Base'].map((t) =>
                h('th', { scope: 'col' }, t),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            d.finished.detail.map((r) =>
              h(
                'tr',
                {},
                h('td', {}, h('a', { href: `/b/${r.batid}` }, r.batid)),
                h('td', {}, value(r.works_date)),
                h('td', {}, num(r.kwh_saved_per_year)),
                h('td', {}, r.saving_pct === null ? '—' : `${num(r.saving_pct)} %`),
                h('td', {}, r.basis === 'corrige' ? 'corrigé du climat' : 'brut'),
              ),
            ),
          ),
        )
      : h(
          'p',
          { class: 'muted' },
          'Aucun projet terminé n’a encore d’année de factures avant et après ses travaux.',
        ),
  );
}

function projectsTable(list: Project[], ref: EnergyReference, open: (id: string) => void): HTMLElement {
  if (!list.length) return h('p', { class: 'muted' }, 'Aucun projet sur votre territoire pour l’instant.');
  const stageLabel = (code: string) => ref.stages.find((s) => s.code === code)?.label ?? code;
  return h(
    'table',
    { class: 'data-table', 'data-testid': 'projects-list' },
    h('caption', { class: 'sr-only' }, 'Projets de votre territoire, les plus récemment modifiés d’abord'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Projet', 'Bâtiment', 'Commune', 'Étape', 'Depuis le'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      list.map((p) => {
        const link = h(
          'a',
          { href: `/projets?id=${encodeURIComponent(p.id)}` },
          p.title || `Projet du ${value(p.created_at)}`,
        );
        link.addEventListener('click', (e) => {
          e.preventDefault();
          open(p.id);
        });
        return h(
          'tr',
          { 'data-project': p.id },
          h('td', {}, link),
          h('td', {}, h('a', { href: `/b/${encodeURIComponent(p.batid)}`, class: 'batid' }, p.batid)),
          h('td', {}, p.code_commune_insee ?? '—'),
          h('td', { 'data-testid': 'row-stage' }, stageLabel(p.stage)),
          h('td', {}, value(p.stage_changed_at)),
        );
      }),
    ),
  );
}

function createForm(open: (id: string) => void): HTMLElement {
  const params = new URLSearchParams(location.search);
  const batidId = nextId('projet-batid');
  const titleId = nextId('projet-titre');
  const batid = h('input', {
    id: batidId,
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    value: params.get('batid') ?? '',
    class: 'batid',
  });
  const title = h('input', { id: titleId, type: 'text', maxlength: 200 });
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'filters', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: batidId }, 'BatID du bâtiment'), batid),
    h('div', { class: 'field' }, h('label', { for: titleId }, 'Titre (facultatif)'), title),
    h('button', { type: 'submit', class: 'button' }, 'Ouvrir le projet'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!batid.value.trim()) {
      status.replaceChildren(h('p', { class: 'error' }, 'Indiquez le BatID du bâtiment.'));
      return batid.focus();
    }
    void authJson<Project>('/v1/projects', 'POST', { batid: batid.value.trim(), title: title.value }).then(
      (p) => {
        status.replaceChildren();
        batid.value = '';
        title.value = '';
        open(p.id);
      },
      (err: unknown) => status.replaceChildren(h('p', { class: 'error' }, accessMessage(err))),
    );
  });
  return h('div', {}, form, status);
}

function exportForm(): HTMLElement {
  const fromId = nextId('export-du');
  const toId = nextId('export-au');
  const year = todayIso().slice(0, 4);
  const from = h('input', { id: fromId, type: 'date', value: `${year}-01-01` });
  const to = h('input', { id: toId, type: 'date', value: todayIso() });
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'filters' },
    h('div', { class: 'field' }, h('label', { for: fromId }, 'Du'), from),
    h('div', { class: 'field' }, h('label', { for: toId }, 'Au'), to),
    h('button', { type: 'submit', class: 'button secondary' }, 'Exporter les actes SARE (CSV)'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = `actes-sare${from.value ? `-du-${from.value}` : ''}${to.value ? `-au-${to.value}` : ''}.csv`;
    status.replaceChildren();
    void downloadWithKey(`/v1/projects/acts.csv?${qs({ from: from.value, to: to.value })}`, name).then(
      () => announce('Export des actes SARE téléchargé.'),
      (err: unknown) => status.replaceChildren(h('p', { class: 'error' }, accessMessage(err))),
    );
  });
  return h('div', {}, form, status);
}

const section = (title: string, ...children: HTMLElement[]) => {
  const id = nextId('section');
  return h('section', { class: 'page-section', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
};

/** /projets: the key's renovation projects, one project's follow-up, SARE export, territory dashboard. */
export async function projectsPage(main: HTMLElement): Promise<void> {
  const content = h('div', {});
  const page = h(
    'div',
    { class: 'page wide' },
    h('h1', {}, 'Projets de rénovation'),
    h(
      'p',
      {},
      'Le suivi des projets accompagnés par votre guichet France Rénov’ : étapes, notes, actes SARE, et le tableau de bord de votre territoire.',
    ),
    advisorKey('h2'),
    content,
  );
  main.replaceChildren(page);

  const render = async () => {
    if (!getApiKey()) {
      content.replaceChildren(
        h(
          'p',
          {},
          'Cet espace est réservé aux conseillers France Rénov’ et aux administrateurs : enregistrez votre clé d’API ci-dessus.',
        ),
      );
      return;
    }
    content.replaceChildren(h('p', { class: 'loading' }, 'Chargement des projets…'));
    let ref: EnergyReference;
    let first: Project[];
    try {
      [ref, first] = await Promise.all([
        energyReference(),
        authJson<{ results: Project[] }>('/v1/projects').then((r) => r.results),
      ]);
    } catch (err) {
      content.replaceChildren(h('p', { class: 'error', role: 'alert' }, accessMessage(err)));
      return;
    }
    const viewSlot = h('div', {});
    const listSlot = h('div', {});
    const dashSlot = h('div', {});
    const refreshList = async () => {
      try {
        const r = await authJson<{ results: Project[] }>('/v1/projects');
        listSlot.replaceChildren(projectsTable(r.results, ref, (id) => void open(id)));
      } catch (err) {
        listSlot.replaceChildren(h('p', { class: 'error' }, accessMessage(err)));
      }
    };
    const refreshDashboard = async () => {
      try {
        dashSlot.replaceChildren(dashboard(await authJson<ProjectDashboard>('/v1/projects/dashboard'), ref));
      } catch (err) {
        dashSlot.replaceChildren(h('p', { class: 'error' }, accessMessage(err)));
      }
    };
    const refreshAll = () => void Promise.all([refreshList(), refreshDashboard()]);
    const open = async (id: string | null, push = true) => {
      if (push) history.pushState(null, '', id ? `/projets?${qs({ id })}` : '/projets');
      if (!id) return viewSlot.replaceChildren();
      viewSlot.replaceChildren(h('p', { class: 'loading' }, 'Chargement du projet…'));
      try {
        const view = await projectView(id, ref, refreshAll);
        viewSlot.replaceChildren(view);
        if (push) view.querySelector<HTMLElement>('h2')?.focus();
        document.title = `${view.querySelector('h2')?.textContent ?? 'Projet'} — BatID`;
      } catch (err) {
        viewSlot.replaceChildren(h('p', { class: 'error', role: 'alert' }, accessMessage(err)));
      }
    };
    listSlot.replaceChildren(projectsTable(first, ref, (id) => void open(id)));
    content.replaceChildren(
      viewSlot,
      section(
        'Ouvrir un projet',
        createForm((id) => {
          void open(id);
          refreshAll();
          announce('Projet ouvert.');
        }),
      ),
      section('Projets de votre territoire', listSlot),
      section('Exporter les actes SARE', exportForm()),
      section('Tableau de bord du territoire', dashSlot),
    );
    window.onpopstate = () => void open(new URLSearchParams(location.search).get('id'), false);
    await Promise.all([refreshDashboard(), open(new URLSearchParams(location.search).get('id'), false)]);
  };
  onKeyChange(page, () => {
    announce(getApiKey() ? 'Clé enregistrée.' : 'Clé oubliée.');
    void render();
  });
  await render();
}
