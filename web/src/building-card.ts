import {
  ApiError,
  getJson,
  qs,
  type BuildingCard,
  type DpeHistory,
  type Eligibility,
  type Section,
} from './api.js';
import { h, type Child } from './dom.js';
import { DPE_COLORS, DPE_TEXT, humanKey, sourceText, value } from './format.js';
import { eligibilityView } from './eligibility-view.js';
import { professionalsSection } from './professionals-section.js';

export interface CardData {
  card: BuildingCard;
  dpe: DpeHistory | null;
  eligibility: Eligibility | null;
  eligibilityError: string | null;
}

export async function loadCard(batid: string): Promise<CardData> {
  const enc = encodeURIComponent(batid);
  const [card, dpe, elig] = await Promise.all([
    getJson<BuildingCard>(`/v1/buildings/${enc}`),
    getJson<DpeHistory>(`/v1/buildings/${enc}/dpe`).catch(() => null),
    getJson<Eligibility>(`/v1/eligibility?${qs({ batid })}`).then(
      (e) => ({ e, err: null }),
      (err: unknown) => ({ e: null, err: err instanceof ApiError ? err.message : 'service indisponible' }),
    ),
  ]);
  return { card, dpe, eligibility: elig.e, eligibilityError: elig.err };
}

/** The representative DPE label of a card (section `energie`), if any. */
export function dpeLabel(card: BuildingCard): string | null {
  const d = card.sections?.energie?.data as Record<string, unknown> | null | undefined;
  const v = d?.classe_bilan_dpe;
  return typeof v === 'string' && v in DPE_COLORS ? v : null;
}

export function labelBadge(label: string | null, title = 'Étiquette DPE'): HTMLElement {
  if (!label) return h('span', { class: 'dpe-badge dpe-none' }, 'sans DPE');
  return h(
    'span',
    {
      class: 'dpe-badge',
      style: `background:${DPE_COLORS[label]};color:${DPE_TEXT[label]}`,
      'data-dpe': label,
      title,
    },
    h('span', { class: 'sr-only' }, `${title} : `),
    label,
  );
}

const STATUS: Record<string, string> = {
  constructed: 'construit',
  demolished: 'démoli',
  retired: 'identifiant retiré',
};

function dl(data: Record<string, unknown>): HTMLElement {
  const rows: Child[] = [];
  for (const [k, v] of Object.entries(data)) {
    if (v === null || v === undefined || v === '') continue;
    rows.push(h('dt', {}, humanKey(k)), h('dd', {}, value(v)));
  }
  return rows.length
    ? h('dl', { class: 'kv' }, rows)
    : h('p', { class: 'muted' }, 'Aucune donnée renseignée.');
}

function sectionBody(data: unknown): HTMLElement {
  if (data === null || data === undefined)
    return h('p', { class: 'muted' }, 'Aucune donnée pour ce bâtiment.');
  if (Array.isArray(data)) {
    if (!data.length) return h('p', { class: 'muted' }, 'Aucune donnée pour ce bâtiment.');
    return h(
      'ol',
      { class: 'records' },
      data.map((r) => h('li', {}, typeof r === 'object' && r ? dl(r as Record<string, unknown>) : value(r))),
    );
  }
  if (typeof data === 'object') return dl(data as Record<string, unknown>);
  return h('p', {}, value(data));
}

function section(key: string, s: Section, open = false): HTMLElement {
  const empty = s.data === null || (Array.isArray(s.data) && !s.data.length);
  return h(
    'details',
    { class: `card-section${empty ? ' empty' : ''}`, 'data-section': key, open },
    h(
      'summary',
      {},
      s.title ?? humanKey(key),
      empty ? h('span', { class: 'muted' }, ' (aucune donnée)') : null,
    ),
    sectionBody(s.data),
    h('p', { class: 'source' }, sourceText(s.source, s.millesime), s.licence ? ` — ${s.licence}` : ''),
  );
}

function dpeHistory(dpe: DpeHistory | null): HTMLElement {
  const head = h('h3', {}, 'Historique des DPE');
  if (!dpe)
    return h(
      'section',
      { class: 'card-block' },
      head,
      h('p', { class: 'muted' }, 'Historique indisponible.'),
    );
  const certs = dpe.certificats;
  const table = certs.length
    ? h(
        'table',
        { class: 'data-table', 'data-testid': 'dpe-history' },
        h(
          'caption',
          { class: 'sr-only' },
          'Diagnostics de performance énergétique du bâtiment, du plus ancien au plus récent',
        ),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Date', 'Étiquette', 'Étiquette 2026', 'Conso. (kWh EP/m²/an)', 'Chauffage', 'Valide'].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          certs.map((c) =>
            h(
              'tr',
              {},
              h('td', {}, value(c.date_etablissement_dpe)),
              h('td', {}, labelBadge(typeof c.classe_bilan_dpe === 'string' ? c.classe_bilan_dpe : null)),
              h('td', {}, value(c.classe_facteur_2026)),
              h('td', {}, value(c.conso_5_usages_ep_m2)),
              h(
                'td',
                {},
                [c.type_energie_chauffage, c.type_installation_chauffage]
                  .filter(Boolean)
                  .map(value)
                  .join(', ') || '—',
              ),
              h('td', {}, c.valide === false ? 'remplacé' : 'oui'),
            ),
          ),
        ),
      )
    : h('p', { class: 'muted' }, 'Aucun DPE connu pour ce bâtiment.');
  const renos = dpe.renovations;
  return h(
    'section',
    { class: 'card-block' },
    head,
    table,
    h('h3', {}, 'Rénovations détectées'),
    renos.length
      ? h(
          'ul',
          { class: 'renovations', 'data-testid': 'renovations' },
          renos.map((r) =>
            h(
              'li',
              {},
              `${value(r.date_avant)} → ${value(r.date_apres)} : `,
              labelBadge(typeof r.classe_avant === 'string' ? r.classe_avant : null, 'Avant'),
              ' → ',
              labelBadge(typeof r.classe_apres === 'string' ? r.classe_apres : null, 'Après'),
              r.performante ? h('strong', {}, ' rénovation performante') : '',
              typeof r.conso_ep_m2_economisee === 'number'
                ? ` — ${value(r.conso_ep_m2_economisee)} kWh EP/m²/an économisés`
                : '',
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'Aucune rénovation détectée entre deux DPE.'),
  );
}

function identifiers(card: BuildingCard): HTMLElement {
  const rows: Child[] = [];
  for (const [scheme, list] of Object.entries(card.ids ?? {}))
    rows.push(h('dt', {}, scheme), h('dd', {}, list.map((i) => i.id).join(', ')));
  return h(
    'details',
    { class: 'card-section', 'data-section': 'identifiants' },
    h('summary', {}, 'Identifiants liés (RNB, BDNB, parcelles, adresses, DPE…)'),
    rows.length ? h('dl', { class: 'kv' }, rows) : h('p', { class: 'muted' }, 'Aucun identifiant lié.'),
  );
}

/** « Suivi énergétique » (advisors): its code is loaded with the card, not with the page. */
function energySlot(batid: string, label: string | null): HTMLElement {
  const slot = h('div', { class: 'energy-slot' });
  void import('./energy-section.js').then(
    (m) => slot.replaceChildren(m.energySection(batid, label)),
    () => slot.replaceChildren(h('p', { class: 'error' }, 'Le suivi énergétique n’a pas pu être chargé.')),
  );
  return slot;
}

/** The building card: header, eligibility, DPE history and renovations, then every section. */
export function renderCard(d: CardData, onClose?: () => void): HTMLElement {
  const { card } = d;
  const label = dpeLabel(card);
  const permalink = `/b/${card.batid}`;
  const copy = h('button', { type: 'button', class: 'link-button' }, 'Copier le lien');
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(location.origin + permalink).then(
      () => (copy.textContent = 'Lien copié'),
      () => (copy.textContent = 'Copie impossible'),
    );
  });
  return h(
    'article',
    { class: 'building-card', 'aria-labelledby': 'card-title', 'data-batid': card.batid },
    h(
      'header',
      { class: 'card-header' },
      h(
        'h2',
        { id: 'card-title', tabindex: '-1' },
        'Bâtiment ',
        h('span', { class: 'batid', 'data-testid': 'batid' }, card.batid),
      ),
      onClose
        ? h(
            'button',
            { type: 'button', class: 'close', 'aria-label': 'Fermer la fiche', onclick: () => onClose() },
            '×',
          )
        : null,
    ),
    h(
      'p',
      { class: 'card-summary' },
      h('span', { 'data-testid': 'dpe-label' }, labelBadge(label)),
      ' ',
      h('span', {}, `Statut : ${STATUS[card.status] ?? card.status}`),
    ),
    card.successors?.length ? h('p', {}, `Remplacé par : ${card.successors.join(', ')}`) : null,
    h(
      'ul',
      { class: 'addresses', 'aria-label': 'Adresses' },
      (card.addresses ?? []).map((a) => h('li', {}, a.label)),
    ),
    h(
      'p',
      {},
      h('a', { href: permalink, 'data-testid': 'permalink' }, 'Lien permanent'),
      ' ',
      copy,
      ' ',
      h('a', { href: `/v1/buildings/${card.batid}` }, 'Données JSON'),
    ),
    h(
      'section',
      { class: 'card-block' },
      h('h3', {}, 'Réseau de chaleur'),
      d.eligibility
        ? eligibilityView(d.eligibility)
        : h('p', { class: 'muted' }, `Éligibilité non calculée : ${d.eligibilityError ?? 'inconnue'}.`),
    ),
    dpeHistory(d.dpe),
    energySlot(card.batid, label),
    card.status === 'constructed' ? professionalsSection(card.batid) : null,
    h('h3', {}, 'Toutes les données'),
    identifiers(card),
    card.footprint
      ? section('emprise', {
          title: 'Emprise au sol',
          data: card.footprint,
          source: card.footprint.source as string,
          millesime: card.footprint.millesime as string,
        })
      : null,
    Object.entries(card.sections ?? {}).map(([k, s]) => section(k, s, k === 'energie')),
  );
}
