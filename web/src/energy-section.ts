import {
  accessMessage,
  ApiError,
  authJson,
  downloadWithKey,
  energyReference,
  getApiKey,
  type EnergyReference,
} from './api.js';
import { advisorKey, onKeyChange } from './advisor-key.js';
import { billForm } from './bill-form.js';
import { labelBadge } from './building-card.js';
import { barChart } from './charts.js';
import { ENERGY_LABELS, todayIso, type EnergyFile, type EnergyYear, type Project } from './copro-types.js';
import { announce, append, h, nextId, type Child } from './dom.js';
import { num, value } from './format.js';

const path = (batid: string, rest = '') => `/v1/buildings/${encodeURIComponent(batid)}/energy${rest}`;
const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : num(v));

/** Four bar charts, one bar per year. */
function charts(years: EnergyYear[]): HTMLElement {
  const bars = (f: (y: EnergyYear) => number | null, color: string) =>
    years.flatMap((y) => {
      const v = f(y);
      return v === null ? [] : [{ label: String(y.year), value: v, color }];
    });
  const uncorrected = years.filter((y) => y.climate.kwh_ep_m2_corrige === null).map((y) => y.year);
  const opt = (testid: string, unit: string) => ({ testid, unit, category: 'Année' });
  return h(
    'div',
    { class: 'energy-charts' },
    barChart(
      'Énergie finale (kWh)',
      bars((y) => y.kwh_final, '#000091'),
      opt('energy-chart-final', 'kWh'),
    ),
    barChart(
      'Énergie primaire (kWh EP/m², facteur électricité de l’année)',
      bars((y) => y.kwh_ep_m2, '#6A6AF4'),
      {
        ...opt('energy-chart-ep', 'kWh EP/m²'),
        note: 'Facteur de l’électricité : 2,3 jusqu’en 2025, 1,9 à partir de 2026 ; les deux valeurs sont dans le tableau.',
      },
    ),
    barChart(
      'Énergie primaire corrigée du climat (kWh EP/m²)',
      bars((y) => y.climate.kwh_ep_m2_corrige, '#3558A2'),
      {
        ...opt('energy-chart-ep-corrige', 'kWh EP/m²'),
        empty: 'Pas de correction climatique : degrés-jours du département inconnus pour ces années.',
        note: uncorrected.length
          ? `Sans correction (degrés-jours inconnus) : ${uncorrected.join(', ')}.`
          : undefined,
      },
    ),
    barChart(
      'Dépenses (€ TTC)',
      bars((y) => y.eur, '#A14B00'),
      opt('energy-chart-eur', '€'),
    ),
  );
}

/** The yearly table: one column per year (the card is narrow), one row per figure. */
function yearsTable(years: EnergyYear[]): HTMLElement {
  const rows: [string, string, (y: EnergyYear) => Child | Child[]][] = [
    ['Énergie finale (kWh)', 'kwh_final', (y) => fmt(y.kwh_final)],
    ['dont chauffage (kWh)', 'kwh_chauffage', (y) => fmt(y.kwh_final_by_use.chauffage)],
    ['dont eau chaude sanitaire (kWh)', 'kwh_ecs', (y) => fmt(y.kwh_final_by_use.ecs)],
    ['dont électricité des communs (kWh)', 'kwh_communs', (y) => fmt(y.kwh_final_by_use.electricite_communs)],
    ['Facteur électricité de l’année', 'electricity_factor', (y) => fmt(y.electricity_factor)],
    ['Énergie primaire (kWh EP/m², facteur de l’année)', 'kwh_ep_m2', (y) => fmt(y.kwh_ep_m2)],
    ['Énergie primaire, facteur 2,3 (kWh EP/m²)', 'kwh_ep_m2_2_3', (y) => fmt(y.kwh_ep_m2_factor_2_3)],
    ['Énergie primaire, facteur 1,9 (kWh EP/m²)', 'kwh_ep_m2_1_9', (y) => fmt(y.kwh_ep_m2_factor_1_9)],
    [
      'Degrés-jours de l’année / de référence',
      'dju',
      (y) => `${fmt(y.climate.dju_year)} / ${fmt(y.climate.dju_reference)}`,
    ],
    ['Énergie finale corrigée du climat (kWh)', 'kwh_final_corrige', (y) => fmt(y.climate.kwh_final_corrige)],
    [
      'Énergie primaire corrigée du climat (kWh EP/m²)',
      'kwh_ep_m2_corrige',
      (y) => fmt(y.climate.kwh_ep_m2_corrige),
    ],
    ['Dépenses (€ TTC)', 'eur', (y) => fmt(y.eur)],
    ['Dépenses (€/m²)', 'eur_m2', (y) => fmt(y.eur_m2)],
    ['Émissions (kg CO₂/m²)', 'co2_kg_m2', (y) => fmt(y.co2_kg_m2)],
    [
      'Étiquette estimée',
      'label',
      (y) => [
        labelBadge(y.label_estime, 'Étiquette estimée'),
        y.label_basis === 'corrige' ? ' (corrigée du climat)' : ' (brute)',
      ],
    ],
  ];
  const captionId = nextId('tableau-annuel');
  return h(
    'div',
    { class: 'table-scroll', role: 'region', 'aria-labelledby': captionId, tabindex: 0 },
    h(
      'table',
      { class: 'data-table', 'data-testid': 'energy-years' },
      h('caption', { id: captionId }, 'Tableau annuel du suivi énergétique'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Indicateur'),
          years.map((y) => h('th', { scope: 'col' }, String(y.year))),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map(([label, key, f]) =>
          h(
            'tr',
            { 'data-row': key },
            h('th', { scope: 'row' }, label),
            years.map((y) => h('td', { 'data-year': y.year }, f(y))),
          ),
        ),
      ),
    ),
  );
}

function comparison(f: EnergyFile, cardLabel: string | null): HTMLElement {
  const last = f.report.years[f.report.years.length - 1];
  const dpe = f.report.comparison.dpe;
  const dle = f.report.comparison.dle;
  const label = dpe?.classe_bilan_dpe ?? cardLabel;
  return h(
    'div',
    { class: 'energy-comparison', 'data-testid': 'energy-comparison' },
    h('h4', {}, 'Étiquette estimée et DPE du bâtiment'),
    last
      ? h(
          'p',
          {},
          `Étiquette estimée d’après les factures de ${last.year} (${last.label_basis === 'corrige' ? 'corrigées du climat' : 'sans correction climatique'}) : `,
          h('span', { 'data-testid': 'label-estime' }, labelBadge(last.label_estime, 'Étiquette estimée')),
          ` — ${fmt(last.climate.kwh_ep_m2_corrige ?? last.kwh_ep_m2)} kWh EP/m²/an, ${fmt(last.co2_kg_m2)} kg CO₂/m²/an.`,
        )
      : h('p', { class: 'muted' }, 'Pas encore d’étiquette estimée : aucune facture saisie.'),
    h(
      'p',
      {},
      'DPE du bâtiment : ',
      labelBadge(label),
      dpe?.classe_facteur_2026
        ? [' — avec le facteur électricité 2026 : ', labelBadge(dpe.classe_facteur_2026, 'Étiquette 2026')]
        : null,
      dpe?.conso_5_usages_ep_m2_moyenne !== null && dpe?.conso_5_usages_ep_m2_moyenne !== undefined
        ? ` — ${fmt(dpe.conso_5_usages_ep_m2_moyenne)} kWh EP/m²/an en moyenne sur ${dpe.nb_dpe} DPE (dernier le ${value(dpe.date_dernier_dpe)})`
        : '',
      '.',
    ),
    dle.length
      ? h(
          'ul',
          { 'aria-label': 'Consommations mesurées (DLE)' },
          dle.map((d) =>
            h(
              'li',
              {},
              `Consommation mesurée ${d.millesime}, ${ENERGY_LABELS[d.energie] ?? d.energie} : ${fmt(d.conso_tot_kwh)} kWh`,
              d.nb_pdl ? ` (${d.nb_pdl} points de livraison)` : '',
            ),
          ),
        )
      : null,
    h('p', { class: 'hint' }, f.report.comparison.note),
  );
}

function beforeAfter(f: EnergyFile, reload: () => void): HTMLElement {
  const items = f.report.before_after;
  const dateId = nextId('travaux-date');
  const descId = nextId('travaux-desc');
  const status = h('div', { 'aria-live': 'polite' });
  const date = h('input', { id: dateId, type: 'date', max: todayIso(), required: true });
  const desc = h('input', { id: descId, type: 'text', maxlength: 500 });
  const form = h(
    'form',
    { class: 'filters works-form' },
    h('div', { class: 'field' }, h('label', { for: dateId }, 'Fin des travaux'), date),
    h('div', { class: 'field' }, h('label', { for: descId }, 'Description'), desc),
    h('button', { type: 'submit', class: 'button secondary' }, 'Enregistrer les travaux'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void authJson(path(f.record.batid, '/works'), 'POST', {
      date_fin: date.value,
      description: desc.value,
    }).then(
      () => reload(),
      (err: unknown) => status.replaceChildren(h('p', { class: 'error' }, accessMessage(err))),
    );
  });
  return h(
    'div',
    { class: 'energy-works' },
    h('h4', {}, 'Avant / après travaux'),
    items.length
      ? h(
          'ul',
          { 'data-testid': 'before-after' },
          items.map((b) =>
            h(
              'li',
              {},
              h('strong', {}, `${value(b.works_date)} — ${b.works_label}`),
              ` (${b.source}) : `,
              b.kwh_saved_per_year === null
                ? 'pas encore d’année complète avant et après les travaux.'
                : `${fmt(b.kwh_final_before)} kWh/an avant (${b.before_years.join(', ')}), ${fmt(b.kwh_final_after)} kWh/an après (${b.after_years.join(', ')}) : ${fmt(b.kwh_saved_per_year)} kWh économisés par an${b.saving_pct === null ? '' : ` (${fmt(b.saving_pct)} %)`}, ${b.basis === 'corrige' ? 'corrigé du climat' : 'sans correction climatique'}.`,
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'Aucuns travaux enregistrés ni rénovation détectée pour ce bâtiment.'),
    form,
    status,
  );
}

/** « Ouvrir un projet » on this building, and links to its existing projects. */
function projects(batid: string): HTMLElement {
  const box = h('div', { class: 'energy-projects' }, h('h4', {}, 'Projet de rénovation'));
  const list = h('ul', {});
  const status = h('div', { 'aria-live': 'polite' });
  const open = h('button', { type: 'button', class: 'button secondary' }, 'Ouvrir un projet');
  const item = (p: Project) =>
    h(
      'li',
      {},
      h(
        'a',
        { href: `/projets?id=${encodeURIComponent(p.id)}` },
        p.title || `Projet du ${value(p.created_at)}`,
      ),
    );
  open.addEventListener('click', () => {
    open.disabled = true;
    void authJson<Project>('/v1/projects', 'POST', { batid }).then(
      (p) => {
        list.appendChild(item(p));
        status.replaceChildren(
          h(
            'p',
            {},
            'Projet ouvert : ',
            h('a', { href: `/projets?id=${encodeURIComponent(p.id)}` }, 'le suivre'),
          ),
        );
        open.disabled = false;
      },
      (err: unknown) => {
        status.replaceChildren(h('p', { class: 'error' }, accessMessage(err)));
        open.disabled = false;
      },
    );
  });
  void authJson<{ results: Project[] }>(`/v1/projects?batid=${encodeURIComponent(batid)}`).then(
    (r) => list.append(...r.results.map(item)),
    () => undefined,
  );
  box.append(list, h('p', {}, open), status);
  return box;
}

function createForm(batid: string, reload: () => void): HTMLElement {
  const nameId = nextId('suivi-nom');
  const surfId = nextId('suivi-surface');
  const name = h('input', { id: nameId, type: 'text', maxlength: 200, autocomplete: 'off' });
  const surface = h('input', { id: surfId, type: 'number', min: 1, step: 'any', inputmode: 'decimal' });
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'energy-create', 'data-testid': 'energy-create', novalidate: true },
    h('p', {}, 'Aucun suivi énergétique pour ce bâtiment. Créez-le pour saisir les factures.'),
    h('div', { class: 'field' }, h('label', { for: nameId }, 'Nom (copropriété, maison…)'), name),
    h('div', { class: 'field' }, h('label', { for: surfId }, 'Surface chauffée (m²)'), surface),
    h('button', { type: 'submit', class: 'button' }, 'Créer le suivi'),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const s = Number(surface.value.replace(',', '.'));
    if (!surface.value.trim() || !(s > 0)) {
      status.replaceChildren(
        h('p', { class: 'error' }, 'Indiquez la surface chauffée en m² (un nombre positif).'),
      );
      surface.setAttribute('aria-invalid', 'true');
      return surface.focus();
    }
    void authJson(path(batid), 'PUT', { name: name.value, heated_surface_m2: s }).then(
      () => reload(),
      (err: unknown) => status.replaceChildren(h('p', { class: 'error' }, accessMessage(err))),
    );
  });
  return form;
}

function renderFile(
  f: EnergyFile,
  ref: EnergyReference,
  cardLabel: string | null,
  reload: (said?: string) => void,
): (Child | Child[])[] {
  const { record, report } = f;
  const csv = h('button', { type: 'button', class: 'button secondary' }, 'Télécharger le CSV');
  const csvStatus = h('span', { 'aria-live': 'polite' });
  csv.addEventListener('click', () => {
    void downloadWithKey(path(record.batid, '/years.csv'), `suivi-energetique-${record.batid}.csv`).then(
      () => csvStatus.replaceChildren(''),
      (err: unknown) => csvStatus.replaceChildren(h('span', { class: 'error' }, ` ${accessMessage(err)}`)),
    );
  });
  return [
    h(
      'p',
      { 'data-testid': 'energy-record' },
      record.name ? [h('strong', {}, record.name), ' — '] : null,
      `surface chauffée ${fmt(record.heated_surface_m2)} m²`,
      report.reseau ? ` — raccordé au réseau ${report.reseau.name ?? report.reseau.id_fcu}` : '',
      '.',
    ),
    report.years.length
      ? [charts(report.years), yearsTable(report.years), h('p', {}, csv, csvStatus)]
      : h('p', { class: 'muted' }, 'Aucune facture saisie : commencez par une année ci-dessous.'),
    comparison(f, cardLabel),
    beforeAfter(f, reload),
    billForm({
      batid: record.batid,
      ref,
      bills: f.bills,
      onSaved: (y) => reload(`Factures de ${y} enregistrées.`),
    }),
    projects(record.batid),
  ];
}

/** « Suivi énergétique » of the building card: for advisors, with their key. */
export function energySection(batid: string, cardLabel: string | null): HTMLElement {
  const body = h('div', { class: 'energy-body' });
  const section = h(
    'section',
    { class: 'card-block energy', 'data-testid': 'energy', 'aria-labelledby': 'suivi-titre' },
    h('h3', { id: 'suivi-titre', tabindex: -1 }, 'Suivi énergétique'),
    body,
  );
  let seq = 0;
  /** `said`: announced, and the focus goes to the section's title (after a save, a key change). */
  const load = async (said?: string) => {
    const mine = ++seq;
    const done = () => {
      if (!said) return;
      announce(said);
      section.querySelector<HTMLElement>('#suivi-titre')?.focus();
    };
    if (!getApiKey()) {
      body.replaceChildren(
        h(
          'p',
          {},
          'Le suivi énergétique (factures, consommations corrigées du climat, comparaison au DPE) et les projets de rénovation sont réservés aux conseillers France Rénov’ et aux administrateurs. Collez votre clé d’API pour y accéder.',
        ),
        advisorKey('h4'),
      );
      return done();
    }
    const head = advisorKey('h4');
    body.replaceChildren(head, h('p', { class: 'loading' }, 'Chargement du suivi énergétique…'));
    try {
      const [f, ref] = await Promise.all([authJson<EnergyFile>(path(batid)), energyReference()]);
      if (mine !== seq) return;
      body.replaceChildren(head);
      append(
        body,
        renderFile(f, ref, cardLabel, (msg) => void load(msg)),
      );
    } catch (err) {
      if (mine !== seq) return;
      if (err instanceof ApiError && err.code === 'no_energy_record')
        body.replaceChildren(
          head,
          createForm(batid, () => void load('Suivi énergétique créé.')),
        );
      else body.replaceChildren(head, h('p', { class: 'error', role: 'alert' }, accessMessage(err)));
    }
    done();
  };
  onKeyChange(section, () => void load(getApiKey() ? 'Clé enregistrée.' : 'Clé oubliée.'));
  void load();
  return section;
}
