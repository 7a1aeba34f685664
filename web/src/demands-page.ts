import { accessMessage, authJson, downloadWithKey, getApiKey, qs } from './api.js';
import { advisorKey, onKeyChange } from './advisor-key.js';
import {
  dateTime,
  HEATING_ENERGY_LABELS,
  HEATING_MODE_LABELS,
  STATUSES,
  STATUS_LABELS,
  type DemandDetail,
  type DemandReminderRow,
  type DemandStatus,
  type DemandSummary,
} from './demand-types.js';
import { announce, h, nextId } from './dom.js';
import { num } from './format.js';

const OPERATOR_TEXT = {
  title: 'Espace gestionnaire',
  label: 'Clé d’API gestionnaire de réseau',
  hint: 'Créée par l’administrateur (batid keys create --role operator --network <identifiant SNCU>) ; une clé conseiller ou administrateur convient aussi. Elle reste dans ce navigateur et n’est envoyée qu’à ce serveur.',
};

const KIND = { created: 'Demande reçue', status: 'Statut', comment: 'Commentaire' } as const;

const failure = (err: unknown) => {
  const msg = accessMessage(err);
  return /conseiller/.test(msg) && !/révoquée/.test(msg)
    ? 'Votre clé n’a pas accès aux demandes : elles sont réservées aux gestionnaires de réseau, conseillers et administrateurs.'
    : msg.replace('clé conseiller valide dans l’Espace conseiller', 'clé valide dans l’Espace gestionnaire');
};

function statusSelect(id: string, withAll: boolean, value = ''): HTMLSelectElement {
  const sel = h(
    'select',
    { id },
    withAll ? h('option', { value: '' }, 'Tous les statuts') : null,
    STATUSES.map((s) => h('option', { value: s }, STATUS_LABELS[s])),
  );
  sel.value = value;
  return sel;
}

function checkbox(label: string): { el: HTMLElement; input: HTMLInputElement } {
  const id = nextId('case');
  const input = h('input', { type: 'checkbox', id });
  return { el: h('div', { class: 'field consent' }, input, h('label', { for: id }, label)), input };
}

function detailView(d: DemandDetail, refresh: (id: string) => Promise<void>): HTMLElement {
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const ok = (msg: string) => {
    status.replaceChildren(h('p', {}, msg));
    announce(msg);
  };
  const ko = (err: unknown) =>
    status.replaceChildren(h('p', { class: 'error', role: 'alert' }, failure(err)));

  const statusId = nextId('nouveau-statut');
  const sel = statusSelect(statusId, false, d.status);
  const noteId = nextId('commentaire-statut');
  const note = h('textarea', { id: noteId, rows: 3, maxlength: 5000 });
  const noteVisible = checkbox('Commentaire visible par le demandeur');
  const statusForm = h(
    'form',
    { 'data-testid': 'status-form' },
    h('h3', {}, 'Changer le statut'),
    h('div', { class: 'field' }, h('label', { for: statusId }, 'Nouveau statut'), sel),
    h('div', { class: 'field' }, h('label', { for: noteId }, 'Commentaire (facultatif)'), note),
    noteVisible.el,
    h('p', {}, h('button', { type: 'submit', class: 'button' }, 'Enregistrer le statut')),
  );
  statusForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const body: { status: string; comment?: string; visible_to_requester?: boolean } = { status: sel.value };
    if (note.value.trim()) {
      body.comment = note.value.trim();
      body.visible_to_requester = noteVisible.input.checked;
    }
    authJson<DemandDetail>(`/v1/demands/${encodeURIComponent(d.id)}`, 'PATCH', body)
      .then(() => refresh(d.id))
      .then(() => announce(`Statut enregistré : ${STATUS_LABELS[sel.value as DemandStatus]}.`))
      .catch(ko);
  });

  const textId = nextId('commentaire');
  const text = h('textarea', { id: textId, rows: 3, maxlength: 5000, required: true });
  const visible = checkbox('Visible par le demandeur');
  const commentForm = h(
    'form',
    { 'data-testid': 'comment-form' },
    h('h3', {}, 'Ajouter un commentaire'),
    h('div', { class: 'field' }, h('label', { for: textId }, 'Commentaire'), text),
    visible.el,
    h('p', {}, h('button', { type: 'submit', class: 'button secondary' }, 'Ajouter le commentaire')),
  );
  commentForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!text.value.trim()) {
      status.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'Écrivez le commentaire.'));
      return text.focus();
    }
    authJson(`/v1/demands/${encodeURIComponent(d.id)}/comments`, 'POST', {
      text: text.value.trim(),
      visible_to_requester: visible.input.checked,
    })
      .then(() => refresh(d.id))
      .then(() => ok('Commentaire ajouté.'))
      .catch(ko);
  });

  const title = h('h2', { tabindex: -1, id: 'demande-detail' }, `Demande — ${d.address}`);
  const heating = [
    d.heating_mode ? HEATING_MODE_LABELS[d.heating_mode] : null,
    d.heating_energy ? HEATING_ENERGY_LABELS[d.heating_energy] : null,
  ]
    .filter(Boolean)
    .join(', ');
  return h(
    'section',
    {
      class: 'project-view',
      'data-testid': 'demand-detail',
      'aria-labelledby': 'demande-detail',
      'data-demand': d.id,
    },
    title,
    h(
      'dl',
      { class: 'kv' },
      h('dt', {}, 'Statut'),
      h(
        'dd',
        {},
        h('strong', { 'data-testid': 'detail-status' }, d.status_label),
        ` depuis le ${dateTime(d.status_changed_at)}`,
      ),
      h('dt', {}, 'Demandeur'),
      h('dd', {}, `${d.name} (${d.requester_type_label})`),
      h('dt', {}, 'E-mail'),
      h('dd', {}, h('a', { href: `mailto:${d.email}` }, d.email)),
      h('dt', {}, 'Téléphone'),
      h('dd', {}, d.phone ?? '—'),
      h('dt', {}, 'Bâtiment'),
      h('dd', {}, d.batid ? h('a', { href: `/b/${encodeURIComponent(d.batid)}` }, d.batid) : '—'),
      h('dt', {}, 'Chauffage actuel'),
      h('dd', {}, heating || 'non précisé'),
      h('dt', {}, 'Logements'),
      h('dd', {}, d.dwellings === null ? '—' : num(d.dwellings)),
      h('dt', {}, 'Éligibilité'),
      h(
        'dd',
        {},
        d.eligibility.eligible ? 'éligible' : 'non éligible',
        d.eligibility.distance_m === null ? '' : ` (${num(d.eligibility.distance_m)} m)`,
      ),
      h('dt', {}, 'Réseau'),
      h(
        'dd',
        {},
        d.network ? `${d.network.name ?? ''} (${d.network.sncu_id})`.trim() : 'territoire (conseillers)',
      ),
      h('dt', {}, 'Message'),
      h('dd', {}, d.message || '—'),
      h('dt', {}, 'Accord du demandeur'),
      h('dd', {}, dateTime(d.consent_at)),
    ),
    h('h3', {}, 'Historique'),
    h(
      'ol',
      { class: 'history', 'data-testid': 'detail-history' },
      d.events.map((e) =>
        h(
          'li',
          {},
          h('time', { datetime: e.at }, dateTime(e.at)),
          ' — ',
          h('strong', {}, KIND[e.kind]),
          e.status_label ? ` : ${e.status_label}` : '',
          ` (${e.author.label})`,
          e.text
            ? h(
                'p',
                { class: 'history-text' },
                e.text,
                e.visible_to_requester ? ' — visible par le demandeur' : ' — interne',
              )
            : null,
        ),
      ),
    ),
    d.reminders.length
      ? h(
          'p',
          { class: 'hint' },
          `Relances envoyées : ${d.reminders.map((r) => `n° ${r.rank} le ${dateTime(r.sent_at)}`).join(', ')}.`,
        )
      : null,
    status,
    statusForm,
    commentForm,
  );
}

function listTable(rows: DemandSummary[], open: (id: string) => void): HTMLElement {
  if (!rows.length)
    return h(
      'p',
      { class: 'muted', 'data-testid': 'demands-empty' },
      'Aucune demande pour votre clé avec ce filtre.',
    );
  return h(
    'table',
    { class: 'data-table', 'data-testid': 'demands-list' },
    h('caption', { class: 'sr-only' }, 'Demandes de votre clé, les plus récentes d’abord'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Reçue le', 'Adresse', 'Demandeur', 'Réseau', 'Statut'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((d) => {
        const link = h('a', { href: `/demandes?id=${encodeURIComponent(d.id)}` }, d.address);
        link.addEventListener('click', (e) => {
          e.preventDefault();
          open(d.id);
        });
        return h(
          'tr',
          { 'data-demand': d.id },
          h('td', {}, dateTime(d.created_at)),
          h('td', {}, link),
          h('td', {}, `${d.name} — ${d.requester_type_label}`),
          h('td', {}, d.network ? d.network.sncu_id : 'territoire'),
          h('td', { 'data-testid': 'row-status' }, d.status_label),
        );
      }),
    ),
  );
}

function remindersView(rows: DemandReminderRow[], open: (id: string) => void): HTMLElement {
  if (!rows.length)
    return h(
      'p',
      { class: 'muted' },
      'Aucune demande à relancer : toutes ont changé de statut depuis moins d’un mois.',
    );
  return h(
    'ul',
    { 'data-testid': 'reminders-list' },
    rows.map((r) => {
      const link = h('a', { href: `/demandes?id=${encodeURIComponent(r.id)}` }, r.address);
      link.addEventListener('click', (e) => {
        e.preventDefault();
        open(r.id);
      });
      return h(
        'li',
        {},
        link,
        ` — ${r.status_label} depuis le ${dateTime(r.status_changed_at)}`,
        r.due ? ` — relance n° ${r.due.rank} due depuis le ${dateTime(r.due.due_at)}` : '',
        r.sent.length ? ` — ${r.sent.length} relance(s) envoyée(s)` : '',
        r.next_due_at ? ` — prochaine le ${dateTime(r.next_due_at)}` : '',
      );
    }),
  );
}

/** /demandes: the operators' workspace (requests of their networks), keyed like the advisor views. */
export async function demandsPage(main: HTMLElement): Promise<void> {
  const work = h('div', { 'data-testid': 'demands-workspace' });
  const page = h(
    'div',
    { class: 'page wide' },
    h('h1', {}, 'Demandes de raccordement'),
    h(
      'p',
      {},
      'Les demandes de mise en relation envoyées après un test d’éligibilité : les gestionnaires de réseau voient celles de leurs réseaux, les conseillers celles de leur territoire.',
    ),
    advisorKey('h2', OPERATOR_TEXT),
    work,
  );
  main.replaceChildren(page);

  const filterId = nextId('filtre-statut');
  const filter = statusSelect(filterId, true);
  const list = h('div', { 'aria-live': 'polite' });
  const detail = h('div');
  const reminders = h('div');
  const exportStatus = h('div', { class: 'form-status', 'aria-live': 'polite' });

  const filterQuery = () => qs({ status: filter.value || undefined });
  const loadList = async () => {
    list.replaceChildren(h('p', { class: 'loading' }, 'Chargement des demandes…'));
    try {
      const r = await authJson<{ results: DemandSummary[]; next_cursor: string | null }>(
        `/v1/demands?${filterQuery()}`,
      );
      list.replaceChildren(listTable(r.results, (id) => void open(id)));
      if (r.next_cursor)
        list.appendChild(
          h(
            'p',
            { class: 'hint' },
            'Seules les 100 plus récentes sont affichées : utilisez l’export pour la liste complète.',
          ),
        );
    } catch (err) {
      list.replaceChildren(h('p', { class: 'error', role: 'alert' }, failure(err)));
    }
  };
  const loadReminders = async () => {
    try {
      const r = await authJson<{ results: DemandReminderRow[] }>('/v1/demands/reminders');
      reminders.replaceChildren(remindersView(r.results, (id) => void open(id)));
    } catch (err) {
      reminders.replaceChildren(h('p', { class: 'error', role: 'alert' }, failure(err)));
    }
  };
  const refresh = async (id: string) => {
    const d = await authJson<DemandDetail>(`/v1/demands/${encodeURIComponent(id)}`);
    detail.replaceChildren(detailView(d, refresh));
    await Promise.all([loadList(), loadReminders()]);
  };
  const open = async (id: string) => {
    try {
      const d = await authJson<DemandDetail>(`/v1/demands/${encodeURIComponent(id)}`);
      detail.replaceChildren(detailView(d, refresh));
      history.replaceState(null, '', `/demandes?id=${encodeURIComponent(id)}`);
      detail.querySelector<HTMLElement>('h2')?.focus();
    } catch (err) {
      detail.replaceChildren(h('p', { class: 'error', role: 'alert' }, failure(err)));
    }
  };
  filter.addEventListener('change', () => void loadList());
  const exportButton = (label: string, ext: 'csv' | 'xlsx') =>
    h(
      'button',
      {
        type: 'button',
        class: 'button secondary',
        onclick: () => {
          exportStatus.replaceChildren();
          void downloadWithKey(`/v1/demands/export.${ext}?${filterQuery()}`, `demandes.${ext}`).catch(
            (err: unknown) =>
              exportStatus.replaceChildren(h('p', { class: 'error', role: 'alert' }, failure(err))),
          );
        },
      },
      label,
    );

  const render = () => {
    if (!getApiKey()) {
      work.replaceChildren(
        h('p', { class: 'muted' }, 'Enregistrez votre clé pour voir les demandes de vos réseaux.'),
      );
      return;
    }
    detail.replaceChildren();
    work.replaceChildren(
      h(
        'section',
        { class: 'page-section', 'aria-labelledby': 'demandes-liste' },
        h('h2', { id: 'demandes-liste' }, 'Demandes'),
        h(
          'div',
          { class: 'filters' },
          h('div', { class: 'field' }, h('label', { for: filterId }, 'Statut'), filter),
          h(
            'p',
            { class: 'actions' },
            exportButton('Exporter en CSV', 'csv'),
            ' ',
            exportButton('Exporter en XLSX', 'xlsx'),
          ),
        ),
        exportStatus,
        list,
      ),
      detail,
      h(
        'section',
        { class: 'page-section', 'aria-labelledby': 'demandes-relances' },
        h('h2', { id: 'demandes-relances' }, 'Relances dues'),
        h(
          'p',
          { class: 'hint' },
          'Demandes ouvertes sans changement de statut depuis un mois ou plus (une relance, puis une autre 15 jours plus tard).',
        ),
        reminders,
      ),
    );
    void loadList();
    void loadReminders();
    const id = new URLSearchParams(location.search).get('id');
    if (id) void open(id);
  };
  render();
  onKeyChange(work, render);
}
