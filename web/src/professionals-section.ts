import type { ProfessionalPage, ProfessionalView } from '../../src/directory/search-professionals.js';
import { SPECIALTIES, SPECIALTY_LABELS } from '../../src/directory/specialties.js';
import { ApiError, getJson, qs } from './api.js';
import { announce, h, nextId } from './dom.js';
import { num } from './format.js';

/** What GET /v1/buildings/{batid}/professionals answers (the fields the card shows). */
type Professional = Pick<
  ProfessionalView,
  'id' | 'name' | 'specialties' | 'rge' | 'address' | 'contact' | 'distance_m'
>;
type ProfessionalsPage = Pick<ProfessionalPage, 'next_cursor'> & {
  place: Pick<ProfessionalPage['place'], 'communes'>;
  results: Professional[];
};

const frDate = (iso: string) => iso.split('-').reverse().join('/');
/** 0465710001 → 04 65 71 00 01 (other numbers as stored). */
const phoneText = (tel: string) => (/^0\d{9}$/.test(tel) ? tel.replace(/(\d{2})(?=\d)/g, '$1 ') : tel);

function rgeBadge(p: Professional): HTMLElement | null {
  if (!p.rge.qualified) return null;
  const title = [
    p.rge.qualifications.join(', '),
    p.rge.valid_until ? `valable jusqu’au ${frDate(p.rge.valid_until)}` : '',
  ]
    .filter(Boolean)
    .join(' — ');
  return h(
    'span',
    {
      class: p.rge.valid ? 'rge-badge' : 'rge-badge rge-expired',
      'data-testid': 'rge-badge',
      title: title || null,
    },
    p.rge.valid ? 'RGE' : 'RGE échu',
    title ? h('span', { class: 'sr-only' }, ` (${title})`) : null,
  );
}

function contact(p: Professional): HTMLElement | null {
  const items: HTMLElement[] = [];
  if (p.contact.website)
    items.push(
      h(
        'li',
        {},
        h(
          'a',
          { href: p.contact.website, rel: 'noopener noreferrer', target: '_blank' },
          'Site web',
          h('span', { class: 'sr-only' }, ` de ${p.name} (nouvelle fenêtre)`),
        ),
      ),
    );
  if (p.contact.phone)
    items.push(h('li', {}, 'Tél. ', h('a', { href: `tel:${p.contact.phone}` }, phoneText(p.contact.phone))));
  if (p.contact.email)
    items.push(h('li', {}, h('a', { href: `mailto:${p.contact.email}` }, p.contact.email)));
  return items.length ? h('ul', { class: 'pro-contact', 'aria-label': `Contacter ${p.name}` }, items) : null;
}

function card(p: Professional): HTMLElement {
  const where = [p.address.label, [p.address.code_postal, p.address.commune].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join(', ');
  const badge = rgeBadge(p);
  return h(
    'li',
    { class: 'pro', 'data-testid': 'professional', 'data-id': p.id },
    h('h4', {}, p.name, badge ? [' ', badge] : null),
    h(
      'p',
      { class: 'pro-specialties' },
      h('span', { class: 'sr-only' }, 'Spécialités : '),
      p.specialties.map((s) => s.label).join(' · '),
    ),
    where || p.distance_m !== null
      ? h(
          'p',
          { class: 'muted' },
          where,
          p.distance_m !== null
            ? `${where ? ' — ' : ''}à ${num(Math.round(p.distance_m / 100) / 10)} km`
            : '',
        )
      : null,
    contact(p),
  );
}

/**
 * « Professionnels qui interviennent dans la commune » on the building card: the directory's
 * professionals whose intervention area covers the building's commune, filtered by specialty.
 */
export function professionalsSection(batid: string): HTMLElement {
  const titleId = nextId('pros-titre');
  const selectId = nextId('pros-specialite');
  const rgeId = nextId('pros-rge');
  const select = h(
    'select',
    { id: selectId, name: 'specialty' },
    h('option', { value: '' }, 'Toutes les spécialités'),
    SPECIALTIES.map((code) => h('option', { value: code }, SPECIALTY_LABELS[code])),
  );
  const rge = h('input', { type: 'checkbox', id: rgeId, name: 'rge' });
  const list = h('div', { class: 'pro-results', 'aria-live': 'polite', 'aria-busy': 'false' });
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    list.setAttribute('aria-busy', 'true');
    list.replaceChildren(h('p', { class: 'muted' }, 'Chargement…'));
    const query = qs({
      specialty: select.value || undefined,
      rge: rge.checked ? 'true' : undefined,
      limit: 50,
    });
    try {
      const page = await getJson<ProfessionalsPage>(
        `/v1/buildings/${encodeURIComponent(batid)}/professionals${query ? `?${query}` : ''}`,
      );
      if (mine !== seq) return;
      const what = select.value
        ? ` en « ${SPECIALTY_LABELS[select.value as keyof typeof SPECIALTY_LABELS]} »`
        : '';
      const more = page.next_cursor
        ? h(
            'p',
            { class: 'muted' },
            'Les 50 plus proches sont affichés ; précisez la spécialité pour affiner.',
          )
        : '';
      list.replaceChildren(
        page.results.length
          ? h('ul', { class: 'pro-list', 'data-testid': 'professionals' }, page.results.map(card))
          : h(
              'p',
              { class: 'muted' },
              `Aucun professionnel de l’annuaire n’intervient dans cette commune${what}${rge.checked ? ' avec une qualification RGE à jour' : ''}.`,
            ),
        more,
      );
      announce(
        `${page.results.length} professionnel${page.results.length > 1 ? 's' : ''} trouvé${page.results.length > 1 ? 's' : ''}`,
      );
    } catch (err) {
      if (mine !== seq) return;
      list.replaceChildren(
        h(
          'p',
          { class: 'error' },
          `L’annuaire n’a pas pu être chargé : ${err instanceof ApiError ? err.message : 'service indisponible'}.`,
        ),
      );
    } finally {
      if (mine === seq) list.setAttribute('aria-busy', 'false');
    }
  };
  select.addEventListener('change', () => void load());
  rge.addEventListener('change', () => void load());
  void load();
  return h(
    'section',
    { class: 'card-block professionals', 'data-testid': 'professionals-section', 'aria-labelledby': titleId },
    h('h3', { id: titleId }, 'Professionnels qui interviennent dans la commune'),
    h(
      'div',
      { class: 'pro-filters' },
      h('span', {}, h('label', { for: selectId }, 'Spécialité'), ' ', select),
      h('span', {}, rge, ' ', h('label', { for: rgeId }, 'RGE à jour seulement')),
    ),
    list,
    h(
      'p',
      { class: 'source' },
      'Annuaire importé par l’administrateur du service ; un professionnel y figure quand sa zone d’intervention (départements, communes ou rayon autour de son adresse) couvre la commune.',
    ),
  );
}
