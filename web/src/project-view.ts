import { accessMessage, authJson, type EnergyReference } from './api.js';
import { todayIso, type ProjectDetail } from './copro-types.js';
import { announce, h, nextId } from './dom.js';
import { value } from './format.js';

const projectPath = (id: string, rest = '') => `/v1/projects/${encodeURIComponent(id)}${rest}`;

/** A small form: labelled fields, a submit button, its own status line (aria-live). */
function miniForm(
  title: string,
  fields: [string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement][],
  submitLabel: string,
  send: () => Promise<unknown>,
  onDone: (said: string) => void,
  doneText: string,
): HTMLElement {
  const titleId = nextId('form-titre');
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'button' }, submitLabel);
  const form = h(
    'form',
    { class: 'mini-form', 'aria-labelledby': titleId, novalidate: true },
    h('h4', { id: titleId }, title),
    h(
      'div',
      { class: 'filters' },
      fields.map(([label, input]) => {
        input.id ||= nextId('champ');
        return h('div', { class: 'field' }, h('label', { for: input.id }, label), input);
      }),
      button,
    ),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    button.disabled = true;
    void send().then(
      () => onDone(doneText),
      (err: unknown) => {
        status.replaceChildren(h('p', { class: 'error' }, accessMessage(err)));
        button.disabled = false;
      },
    );
  });
  return form;
}

const dateInput = () => h('input', { type: 'date', value: todayIso(), max: todayIso(), required: true });

/**
 * One project: its stage (and history), dated notes and SARE acts, each with its form.
 * `changed` is called after every saved change, with a sentence to announce.
 */
export async function projectView(
  id: string,
  ref: EnergyReference,
  changed: (said: string) => void,
): Promise<HTMLElement> {
  const p = await authJson<ProjectDetail>(projectPath(id));
  const stageLabel = (code: string) => ref.stages.find((s) => s.code === code)?.label ?? code;
  const refresh = async (said: string) => {
    const next = await projectView(id, ref, changed);
    view.replaceWith(next);
    next.querySelector<HTMLElement>('h2')?.focus();
    announce(said);
    changed(said);
  };
  const done = (said: string) => void refresh(said);

  const stage = h(
    'select',
    { name: 'stage' },
    ref.stages.map((s) => h('option', { value: s.code }, s.label)),
  );
  const next = ref.stages.findIndex((s) => s.code === p.stage) + 1;
  stage.value = ref.stages[Math.min(next, ref.stages.length - 1)]?.code ?? p.stage;
  const stageDate = dateInput();
  stageDate.min = p.stage_changed_at;

  const noteDate = dateInput();
  const noteText = h('textarea', { name: 'text', rows: 3, maxlength: 5000 });

  const act = h(
    'select',
    { name: 'code' },
    ref.sare_acts.map((a) => h('option', { value: a.code }, `${a.code} — ${a.label}`)),
  );
  const actDate = dateInput();
  const actComment = h('input', { type: 'text', name: 'comment', maxlength: 1000 });

  const view = h(
    'section',
    {
      class: 'project-view',
      'data-testid': 'project-view',
      'data-project': p.id,
      'aria-labelledby': `projet-${p.id}`,
    },
    h(
      'h2',
      { id: `projet-${p.id}`, tabindex: -1 },
      p.title ? `Projet « ${p.title} »` : `Projet sur le bâtiment ${p.batid}`,
    ),
    h(
      'p',
      {},
      'Bâtiment ',
      h('a', { href: `/b/${encodeURIComponent(p.batid)}`, class: 'batid' }, p.batid),
      p.code_commune_insee
        ? ` — commune ${p.code_commune_insee}`
        : ` — département ${p.code_departement_insee}`,
      ' — étape actuelle : ',
      h('strong', { 'data-testid': 'project-stage' }, stageLabel(p.stage)),
      ` depuis le ${value(p.stage_changed_at)}.`,
    ),
    h('h3', {}, 'Étapes'),
    h(
      'ol',
      { class: 'stages', 'data-testid': 'project-stages' },
      p.stages.map((s) => h('li', {}, `${value(s.date)} : ${stageLabel(s.stage)}`)),
    ),
    miniForm(
      'Changer d’étape',
      [
        ['Nouvelle étape', stage],
        ['Date', stageDate],
      ],
      'Changer d’étape',
      () => authJson(projectPath(p.id), 'PATCH', { stage: stage.value, date: stageDate.value }),
      done,
      'Étape du projet modifiée.',
    ),
    h('h3', {}, 'Notes'),
    p.notes.length
      ? h(
          'ul',
          { class: 'notes', 'data-testid': 'project-notes' },
          p.notes.map((n) => h('li', {}, h('strong', {}, `${value(n.date)} : `), n.text)),
        )
      : h('p', { class: 'muted' }, 'Aucune note.'),
    miniForm(
      'Ajouter une note',
      [
        ['Date', noteDate],
        ['Note', noteText],
      ],
      'Ajouter la note',
      () => authJson(projectPath(p.id, '/notes'), 'POST', { date: noteDate.value, text: noteText.value }),
      done,
      'Note ajoutée.',
    ),
    h('h3', {}, 'Actes SARE'),
    p.acts.length
      ? h(
          'table',
          { class: 'data-table', 'data-testid': 'project-acts' },
          h('caption', { class: 'sr-only' }, 'Actes SARE du projet'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Date', 'Acte', 'Libellé', 'Commentaire'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h(
            'tbody',
            {},
            p.acts.map((a) =>
              h(
                'tr',
                {},
                h('td', {}, value(a.date)),
                h('td', {}, a.code),
                h('td', {}, a.label),
                h('td', {}, a.comment || '—'),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'Aucun acte enregistré.'),
    miniForm(
      'Enregistrer un acte SARE',
      [
        ['Acte', act],
        ['Date', actDate],
        ['Commentaire (facultatif)', actComment],
      ],
      'Enregistrer l’acte',
      () =>
        authJson(projectPath(p.id, '/acts'), 'POST', {
          code: act.value,
          date: actDate.value,
          comment: actComment.value,
        }),
      done,
      'Acte SARE enregistré.',
    ),
  );
  return view;
}
