import { publicJson } from './api.js';
import {
  dateTime,
  demandErrorMessage,
  REQUESTER_TYPE_LABELS,
  type DemandFollowView,
} from './demand-types.js';
import { announce, h } from './dom.js';
import { num } from './format.js';

const KIND = {
  created: 'Demande envoyée',
  status: 'Nouveau statut',
  comment: 'Message du gestionnaire',
} as const;

function view(token: string, v: DemandFollowView, main: HTMLElement): HTMLElement {
  const api = `/v1/demands/follow/${encodeURIComponent(token)}`;
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const withdraw = h(
    'button',
    { type: 'button', class: 'button secondary', 'data-testid': 'withdraw' },
    'Retirer ma demande',
  );
  withdraw.addEventListener('click', () => {
    if (
      !window.confirm(
        'Retirer cette demande ? Elle sera effacée aussitôt, avec vos coordonnées, et ne pourra pas être rétablie.',
      )
    )
      return;
    withdraw.disabled = true;
    publicJson<void>(api, 'DELETE')
      .then(() => {
        const title = h('h1', { tabindex: -1 }, 'Demande retirée');
        main.replaceChildren(
          h(
            'div',
            { class: 'page', 'data-testid': 'withdrawn' },
            title,
            h(
              'p',
              {},
              'Votre demande a été retirée et vos coordonnées effacées. Seul un compte anonyme reste dans les statistiques.',
            ),
            h('p', {}, h('a', { href: '/eligibilite' }, 'Faire un nouveau test d’éligibilité')),
          ),
        );
        title.focus();
        announce('Demande retirée.');
      })
      .catch((err: unknown) => {
        withdraw.disabled = false;
        status.replaceChildren(h('p', { class: 'error', role: 'alert' }, demandErrorMessage(err)));
      });
  });
  const handled =
    v.handled_by.kind === 'network'
      ? `le gestionnaire du réseau « ${v.handled_by.name ?? v.handled_by.sncu_id} »`
      : `les conseillers du territoire${v.handled_by.code ? ` (${v.handled_by.code})` : ''}`;
  return h(
    'div',
    { class: 'page', 'data-testid': 'follow' },
    h('h1', {}, 'Suivi de ma demande de raccordement'),
    h(
      'dl',
      { class: 'kv' },
      h('dt', {}, 'Statut'),
      h(
        'dd',
        {},
        h('strong', { 'data-testid': 'follow-status' }, v.status_label),
        ` depuis le ${dateTime(v.status_changed_at)}`,
      ),
      h('dt', {}, 'Adresse'),
      h('dd', {}, v.address),
      h('dt', {}, 'Demandeur'),
      h('dd', {}, REQUESTER_TYPE_LABELS[v.requester_type] ?? v.requester_type),
      h('dt', {}, 'Suivie par'),
      h('dd', {}, handled),
      h('dt', {}, 'Éligibilité au moment de la demande'),
      h(
        'dd',
        {},
        v.eligibility.eligible ? 'raccordement envisageable' : 'raccordement peu probable',
        v.eligibility.distance_m === null ? '' : ` (réseau à ${num(v.eligibility.distance_m)} m)`,
      ),
      h('dt', {}, 'Envoyée le'),
      h('dd', {}, dateTime(v.created_at)),
    ),
    h('h2', {}, 'Historique'),
    h(
      'ol',
      { class: 'history', 'data-testid': 'follow-history' },
      v.history.map((e) =>
        h(
          'li',
          {},
          h('time', { datetime: e.at }, dateTime(e.at)),
          ' — ',
          h('strong', {}, KIND[e.kind]),
          e.status_label ? ` : ${e.status_label}` : '',
          e.text ? h('p', { class: 'history-text' }, e.text) : null,
        ),
      ),
    ),
    h('h2', {}, 'Retirer ma demande'),
    h(
      'p',
      {},
      'Si vous ne souhaitez plus être recontacté, retirez la demande : elle est effacée aussitôt avec vos coordonnées.',
    ),
    status,
    h('p', {}, withdraw),
  );
}

/** /suivi-demande/{token}: what the requester sees of the demand (status, dated history) and « Retirer ma demande ». */
export async function followPage(main: HTMLElement, token: string): Promise<void> {
  main.replaceChildren(
    h(
      'div',
      { class: 'page' },
      h('h1', {}, 'Suivi de ma demande'),
      h('p', { class: 'loading' }, 'Chargement…'),
    ),
  );
  try {
    const v = await publicJson<DemandFollowView>(`/v1/demands/follow/${encodeURIComponent(token)}`);
    main.replaceChildren(view(token, v, main));
  } catch (err) {
    main.replaceChildren(
      h(
        'div',
        { class: 'page' },
        h('h1', {}, 'Suivi de ma demande'),
        h('p', { class: 'error', role: 'alert' }, demandErrorMessage(err)),
        h('p', {}, h('a', { href: '/eligibilite' }, 'Faire un test d’éligibilité')),
      ),
    );
  }
}
