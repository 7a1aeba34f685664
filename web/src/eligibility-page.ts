import { ApiError, getJson, qs, type Eligibility } from './api.js';
import { h } from './dom.js';
import { demandForm } from './demand-form.js';
import { eligibilityView } from './eligibility-view.js';
import { searchBox, type Suggestion } from './search-box.js';

/** Eligibility test: one address (or BatID) → distance, network, what it means. */
export async function eligibilityPage(main: HTMLElement): Promise<void> {
  const result = h('div', { class: 'result', 'aria-live': 'polite', 'data-testid': 'eligibility-result' });
  const run = async (s: Suggestion) => {
    const params = s.kind === 'batid' ? { batid: s.batid } : { address: s.hit.label };
    result.replaceChildren(h('p', { class: 'loading' }, 'Test en cours…'));
    try {
      const e = await getJson<Eligibility>(`/v1/eligibility?${qs(params)}`);
      const batid = e.place?.batid;
      result.replaceChildren(h('h2', {}, 'Résultat pour ', s.label), eligibilityView(e));
      if (batid)
        result.appendChild(
          h('p', {}, h('a', { href: `/b/${batid}` }, `Voir la fiche du bâtiment ${batid} sur la carte`)),
        );
      result.appendChild(
        demandForm({
          ...params,
          eligible: e.eligible,
          networkName: e.network?.name ?? null,
        }),
      );
    } catch (err) {
      const msg =
        err instanceof ApiError && err.code === 'networks_not_loaded'
          ? 'Les réseaux de chaleur ne sont pas encore chargés sur ce serveur.'
          : `Le test n’a pas abouti : ${(err as Error).message}`;
      result.replaceChildren(h('p', { class: 'error', role: 'alert' }, msg));
    }
  };
  main.replaceChildren(
    h(
      'div',
      { class: 'page' },
      h('h1', {}, 'Mon bâtiment peut-il se raccorder à un réseau de chaleur ?'),
      h(
        'p',
        {},
        'Saisissez une adresse : BatID mesure la distance au réseau le plus proche et dit ce que cela signifie pour un chauffage collectif ou individuel. ',
        'Le résultat est indicatif ; le gestionnaire du réseau confirme la faisabilité.',
      ),
      searchBox({
        label: 'Adresse du bâtiment',
        placeholder: 'ex. 2 rue Anatole France Moulins',
        onSelect: (s) => void run(s),
      }),
      result,
    ),
  );
}
