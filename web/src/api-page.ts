import { h } from './dom.js';

const ROUTES: [string, string][] = [
  ['/v1/health', 'état du service et nombre de bâtiments'],
  ['/v1/addresses/search?q=…', 'recherche d’adresse (accents, abréviations, fautes de frappe)'],
  ['/v1/buildings?address=…', 'les bâtiments d’une adresse, avec la raison et la confiance du rattachement'],
  [
    '/v1/buildings/at?lon=…&lat=… et /v1/buildings/closest?lon=…&lat=…',
    'les bâtiments en un point, ou les plus proches',
  ],
  [
    '/v1/buildings?bbox=… ou ?commune=03185',
    'la liste des bâtiments d’une emprise ou d’une commune (pagination par curseur)',
  ],
  ['/v1/buildings/{batid}', 'la fiche d’un bâtiment (format=geojson pour une Feature)'],
  ['/v1/buildings/{batid}/dpe', 'l’historique des DPE d’un bâtiment et les rénovations détectées'],
  ['/v1/buildings/{batid}/history', 'l’historique d’un bâtiment'],
  [
    '/v1/resolve?scheme=ban&id=…',
    'le ou les BatID d’un identifiant (batid, rnb, bdnb_bg, bdnb_bc, bdtopo, parcelle, ban, dpe, rnc, siren, dvf)',
  ],
  ['/v1/eligibility?address=… (ou lon=&lat=, ou batid=)', 'l’éligibilité à un réseau de chaleur'],
  ['/v1/eligibility/bulk puis /v1/jobs/{id}', 'le test d’éligibilité en masse, résultats en CSV ou XLSX'],
  ['/v1/prospects?commune=…', 'les bâtiments à chauffage collectif gaz ou fioul près d’un réseau'],
  [
    '/v1/indicators?level=commune&code=03185',
    'les indicateurs de la rénovation d’un territoire (format=csv)',
  ],
  ['/v1/indicators/networks?dept=03', 'bâtiments et logements raccordables à 50, 100 et 150 m'],
  ['/v1/changes?since=2024-01-01T00:00:00Z', 'les changements depuis une date (NDJSON, ou CSV)'],
  ['/tiles/{layer}/{z}/{x}/{y}.pbf', 'tuiles vectorielles : communes, buildings, networks, addresses'],
];

export async function apiPage(main: HTMLElement): Promise<void> {
  main.replaceChildren(
    h(
      'div',
      { class: 'page' },
      h('h1', {}, 'L’API BatID'),
      h(
        'p',
        {},
        'Toutes les données de l’application sont accessibles par une API HTTP ouverte. ',
        h('a', { href: '/docs/' }, 'Documentation interactive'),
        ' — ',
        h('a', { href: '/openapi.json' }, 'description OpenAPI'),
        ' — ',
        h('a', { href: '/v1/health' }, 'état du service'),
        '.',
      ),
      h(
        'table',
        { class: 'data-table' },
        h('caption', {}, 'Principales routes'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Route'), h('th', { scope: 'col' }, 'Rôle'))),
        h(
          'tbody',
          {},
          ROUTES.map(([r, d]) => h('tr', {}, h('td', {}, h('code', {}, r)), h('td', {}, d))),
        ),
      ),
    ),
  );
}
