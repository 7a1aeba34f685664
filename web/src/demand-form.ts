import { getJson, publicJson } from './api.js';
import {
  demandErrorMessage,
  HEATING_ENERGIES,
  HEATING_ENERGY_LABELS,
  HEATING_MODES,
  HEATING_MODE_LABELS,
  REQUESTER_TYPES,
  REQUESTER_TYPE_LABELS,
  type DemandCreated,
  type DemandReference,
  type DemandRequest,
  type HeatingEnergy,
  type HeatingMode,
  type RequesterType,
} from './demand-types.js';
import { announce, h, nextId } from './dom.js';
import { num } from './format.js';

/** What the eligibility test was asked about (the same goes with the request, so the server finds the same result). */
export interface DemandPlace {
  batid?: string;
  address?: string;
  eligible: boolean;
  networkName: string | null;
}

function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-aide` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), hintEl, control);
}

const options = <T extends string>(codes: readonly T[], labels: Record<T, string>, empty?: string) => [
  empty === undefined ? null : h('option', { value: '' }, empty),
  ...codes.map((c) => h('option', { value: c }, labels[c])),
];

/**
 * « Être mis en relation »: the contact request after an eligibility result (POST /v1/demands),
 * with an explicit consent (unchecked) that says what is done with the data and for how long.
 */
export function demandForm(place: DemandPlace): HTMLElement {
  const box = h('section', { class: 'demand-form page-section', 'data-testid': 'demand-form' });
  const titleId = nextId('mise-en-relation');
  box.setAttribute('aria-labelledby', titleId);
  const ids = {
    type: nextId('demandeur-type'),
    name: nextId('demandeur-nom'),
    email: nextId('demandeur-email'),
    phone: nextId('demandeur-tel'),
    mode: nextId('chauffage-mode'),
    energy: nextId('chauffage-energie'),
    dwellings: nextId('logements'),
    message: nextId('message'),
    consent: nextId('accord'),
  };
  const type = h(
    'select',
    { id: ids.type, name: 'requester_type', required: true },
    options(REQUESTER_TYPES, REQUESTER_TYPE_LABELS, 'Choisir…'),
  );
  const name = h('input', {
    id: ids.name,
    name: 'name',
    type: 'text',
    autocomplete: 'name',
    required: true,
    maxlength: 200,
  });
  const email = h('input', {
    id: ids.email,
    name: 'email',
    type: 'email',
    autocomplete: 'email',
    required: true,
    maxlength: 254,
  });
  const phone = h('input', { id: ids.phone, name: 'phone', type: 'tel', autocomplete: 'tel', maxlength: 40 });
  const mode = h(
    'select',
    { id: ids.mode, name: 'heating_mode' },
    options(HEATING_MODES, HEATING_MODE_LABELS, 'Je ne sais pas'),
  );
  const energy = h(
    'select',
    { id: ids.energy, name: 'heating_energy' },
    options(HEATING_ENERGIES, HEATING_ENERGY_LABELS, 'Je ne sais pas'),
  );
  const dwellings = h('input', {
    id: ids.dwellings,
    name: 'dwellings',
    type: 'number',
    min: 1,
    max: 100000,
    step: 1,
    inputmode: 'numeric',
  });
  const message = h('textarea', { id: ids.message, name: 'message', rows: 4, maxlength: 2000 });
  const consent = h('input', { id: ids.consent, name: 'consent', type: 'checkbox', required: true });
  const consentText = h(
    'span',
    { 'data-testid': 'consent-text' },
    'J’accepte que mes coordonnées et ma demande soient transmises au gestionnaire du réseau de chaleur (ou, à défaut, aux conseillers de mon territoire) pour qu’il me recontacte à ce sujet. Elles ne servent qu’à cela.',
  );
  const retention = h(
    'span',
    {},
    ' Elles sont effacées après la clôture de la demande ; vous pouvez la retirer à tout moment.',
  );
  void getJson<DemandReference>('/v1/demands/reference')
    .then((ref) => {
      const days = ref.retention_days_after_closing;
      retention.textContent = ` Elles sont conservées le temps de traiter la demande puis ${num(days)} jours après sa clôture, et alors effacées ; vous pouvez retirer votre demande, et l’effacer, à tout moment depuis le lien de suivi.`;
    })
    .catch(() => undefined);
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'button' }, 'Envoyer ma demande');
  const form = h(
    'form',
    { novalidate: true, 'data-testid': 'demand-fields' },
    h('p', { class: 'hint' }, 'Les champs marqués d’un astérisque (*) sont obligatoires.'),
    field('Vous êtes *', type),
    field('Nom et prénom *', name),
    field('Adresse e-mail *', email, 'Vous y recevrez la confirmation et le lien de suivi de la demande.'),
    field('Téléphone (facultatif)', phone, 'Exemple : 06 12 34 56 78'),
    h(
      'fieldset',
      { class: 'bill-line' },
      h('legend', {}, 'Chauffage actuel du bâtiment'),
      field('Mode de chauffage', mode),
      field('Énergie', energy),
    ),
    field('Nombre de logements (facultatif)', dwellings),
    field(
      'Message (facultatif)',
      message,
      'Votre projet, vos questions, le calendrier de votre copropriété…',
    ),
    h(
      'div',
      { class: 'field consent' },
      consent,
      h('label', { for: ids.consent }, consentText, retention, ' *'),
    ),
    status,
    h('p', {}, submit),
  );
  const fail = (msg: string, focus?: HTMLElement) => {
    status.replaceChildren(h('p', { class: 'error', role: 'alert' }, msg));
    focus?.focus();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!type.value) return fail('Indiquez qui vous êtes (type de demandeur).', type);
    if (!name.value.trim()) return fail('Indiquez votre nom.', name);
    if (!email.value.trim()) return fail('Indiquez votre adresse e-mail.', email);
    if (!consent.checked)
      return fail(
        'Cochez la case d’accord : sans elle, le gestionnaire ne peut pas vous recontacter.',
        consent,
      );
    const body: DemandRequest = {
      requester_type: type.value as RequesterType,
      name: name.value.trim(),
      email: email.value.trim(),
      consent: true,
      ...(place.batid ? { batid: place.batid } : {}),
      ...(place.address ? { address: place.address } : {}),
      ...(phone.value.trim() ? { phone: phone.value.trim() } : {}),
      ...(mode.value ? { heating_mode: mode.value as HeatingMode } : {}),
      ...(energy.value ? { heating_energy: energy.value as HeatingEnergy } : {}),
      ...(dwellings.value ? { dwellings: Number(dwellings.value) } : {}),
      ...(message.value.trim() ? { message: message.value.trim() } : {}),
    };
    if (body.dwellings !== undefined && !Number.isInteger(body.dwellings))
      return fail('Le nombre de logements doit être un nombre entier.', dwellings);
    submit.disabled = true;
    status.replaceChildren(h('p', { class: 'loading' }, 'Envoi en cours…'));
    publicJson<DemandCreated>('/v1/demands', 'POST', body)
      .then((d) => confirmation(d))
      .catch((err: unknown) => {
        submit.disabled = false;
        fail(demandErrorMessage(err));
      });
  });
  const confirmation = (d: DemandCreated) => {
    const followPath = new URL(d.follow_url, location.origin).pathname;
    const title = h('h3', { id: titleId, tabindex: -1 }, 'Demande envoyée');
    box.replaceChildren(
      title,
      h(
        'div',
        { class: 'confirmation', 'data-testid': 'demand-confirmation', role: 'status' },
        h(
          'p',
          {},
          d.assigned_to === 'network'
            ? `Votre demande a été transmise au gestionnaire du réseau${d.network?.name ? ` « ${d.network.name} »` : ''}. Il vous recontactera.`
            : 'Votre demande a été transmise aux conseillers de votre territoire. Ils vous recontacteront.',
        ),
        h('p', {}, 'Statut : ', h('strong', {}, d.status_label)),
        h(
          'p',
          {},
          'Suivez son avancement (et retirez-la si vous le souhaitez) à cette adresse, à conserver : ',
          h('a', { href: followPath, 'data-testid': 'follow-link' }, 'suivre ma demande'),
        ),
        h(
          'p',
          { class: 'hint' },
          d.confirmation_email === 'sent'
            ? 'Un e-mail de confirmation avec ce lien vous a été envoyé.'
            : 'Aucun e-mail de confirmation n’a pu être envoyé : notez ce lien.',
        ),
      ),
    );
    title.focus();
    announce('Demande envoyée.');
  };
  box.replaceChildren(
    h('h3', { id: titleId }, 'Être mis en relation'),
    h(
      'p',
      {},
      place.eligible
        ? `Le gestionnaire du réseau${place.networkName ? ` « ${place.networkName} »` : ''} peut étudier le raccordement de ce bâtiment : laissez vos coordonnées pour qu’il vous recontacte.`
        : 'Laissez vos coordonnées : la demande ira au gestionnaire du réseau le plus proche s’il est à moins de 500 m, sinon aux conseillers de votre territoire.',
    ),
    form,
  );
  return box;
}
