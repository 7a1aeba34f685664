import type { Eligibility } from './api.js';
import { h } from './dom.js';
import { num, pct } from './format.js';

/** What an eligibility result means, in the words of France Chaleur Urbaine's test. */
export function eligibilityView(e: Eligibility): HTMLElement {
  const n = e.network;
  const coll = e.heating?.installation;
  const advice =
    coll === 'collectif'
      ? 'Chauffage collectif : le raccordement se décide en copropriété (ou par le bailleur) ; c’est le cas le plus favorable.'
      : coll === 'individuel'
        ? 'Chauffage individuel : le raccordement demande de créer un réseau intérieur au bâtiment ; il est plus rare et plus coûteux.'
        : null;
  return h(
    'div',
    {
      class: `eligibility ${e.eligible ? 'eligible' : 'not-eligible'}`,
      'data-testid': 'eligibility',
      'data-type': e.type,
    },
    h(
      'p',
      { class: 'verdict' },
      h('strong', {}, e.eligible ? 'Raccordement envisageable' : 'Raccordement peu probable aujourd’hui'),
    ),
    e.message ? h('p', { class: 'sentence', 'data-testid': 'eligibility-sentence' }, e.message) : null,
    h(
      'dl',
      { class: 'kv' },
      h('dt', {}, 'Distance au réseau'),
      h('dd', {}, e.distance_m === null ? 'aucun réseau proche' : `${num(Math.round(e.distance_m))} m`),
      n
        ? [
            h('dt', {}, 'Réseau'),
            h('dd', {}, [n.name, n.id_fcu ? `(${n.id_fcu})` : ''].filter(Boolean).join(' ') || '—'),
          ]
        : null,
      n?.operator ? [h('dt', {}, 'Gestionnaire'), h('dd', {}, n.operator)] : null,
      typeof n?.enrr_rate === 'number'
        ? [
            h('dt', {}, 'Énergies renouvelables et de récupération'),
            h('dd', {}, pct(n.enrr_rate > 1 ? n.enrr_rate / 100 : n.enrr_rate)),
          ]
        : null,
      typeof n?.co2_acv === 'number'
        ? [h('dt', {}, 'Contenu CO₂ (ACV)'), h('dd', {}, `${num(n.co2_acv)} g/kWh`)]
        : null,
      h('dt', {}, 'Périmètre de développement prioritaire'),
      h(
        'dd',
        {},
        e.in_pdp
          ? 'oui : le raccordement peut être obligatoire pour un bâtiment neuf ou une rénovation importante'
          : 'non',
      ),
      e.future_network ? [h('dt', {}, 'Réseau en construction'), h('dd', {}, 'oui, à proximité')] : null,
      e.heating
        ? [
            h('dt', {}, 'Chauffage actuel'),
            h('dd', {}, [e.heating.energy, e.heating.installation].filter(Boolean).join(', ') || 'inconnu'),
          ]
        : null,
    ),
    advice ? h('p', { class: 'advice' }, advice) : null,
  );
}
