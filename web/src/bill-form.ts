import { accessMessage, ApiError, authJson, type EnergyReference } from './api.js';
import { ENERGY_LABELS, todayIso, UNIT_LABELS, type StoredBill } from './copro-types.js';
import { announce, h, nextId } from './dom.js';

const FIELD_LABELS: Record<string, string> = {
  year: 'année',
  use: 'usage',
  energy: 'énergie',
  quantity: 'quantité',
  unit: 'unité',
  amount_eur: 'montant',
};

interface Line {
  el: HTMLFieldSetElement;
  inputs: Record<'use' | 'energy' | 'quantity' | 'unit' | 'amount_eur', HTMLInputElement | HTMLSelectElement>;
}

const numberOf = (s: string): number | null => {
  const t = s.trim().replace(/\s/g, '').replace(',', '.');
  return t === '' || Number.isNaN(Number(t)) ? null : Number(t);
};

/**
 * « Saisir une année de factures »: a year and its bill lines (use, energy, quantity, unit
 * filtered by energy, amount), sent to PUT …/energy/years/{year}, which replaces that year.
 * A refusal is shown beside the form (aria-live) and what was typed stays.
 */
export function billForm(opts: {
  batid: string;
  ref: EnergyReference;
  bills: StoredBill[];
  onSaved: (year: number) => void;
}): HTMLElement {
  const { ref } = opts;
  const titleId = nextId('saisie');
  const statusId = nextId('saisie-etat');
  const yearId = nextId('annee');
  const thisYear = Number(todayIso().slice(0, 4));
  const known = [...new Set(opts.bills.map((b) => b.year))].sort((a, b) => b - a);
  const year = h('input', {
    id: yearId,
    name: 'year',
    type: 'number',
    inputmode: 'numeric',
    min: 1990,
    max: thisYear,
    step: 1,
    value: String(known[0] ?? thisYear - 1),
    'aria-describedby': `${yearId}-aide`,
  });
  const lines: Line[] = [];
  const list = h('div', { class: 'bill-lines' });
  const status = h('div', { id: statusId, class: 'form-status', 'aria-live': 'polite' });

  const renumber = () =>
    lines.forEach((l, i) => {
      l.el.querySelector('legend')!.textContent = `Ligne ${i + 1}`;
      l.el.querySelector('.remove')!.setAttribute('aria-label', `Supprimer la ligne ${i + 1}`);
    });

  const addLine = (b?: Partial<StoredBill>) => {
    const id = nextId('ligne');
    const field = (name: string, label: string, input: HTMLElement) =>
      h('div', { class: `field f-${name}` }, h('label', { for: `${id}-${name}` }, label), input);
    const use = h(
      'select',
      { id: `${id}-use`, name: 'use' },
      ref.uses.map((u) => h('option', { value: u.code }, u.label.charAt(0).toUpperCase() + u.label.slice(1))),
    );
    const energy = h('select', { id: `${id}-energy`, name: 'energy' });
    const unit = h('select', { id: `${id}-unit`, name: 'unit' });
    const quantity = h('input', {
      id: `${id}-quantity`,
      name: 'quantity',
      type: 'number',
      step: 'any',
      inputmode: 'decimal',
    });
    const amount = h('input', {
      id: `${id}-amount`,
      name: 'amount_eur',
      type: 'number',
      step: 'any',
      inputmode: 'decimal',
    });
    // common-area electricity is electricity; units follow the energy
    const fillEnergies = () => {
      const keep = energy.value;
      const allowed = ref.energies.filter(
        (e) => use.value !== 'electricite_communs' || e.code === 'electricite',
      );
      energy.replaceChildren(
        ...allowed.map((e) => h('option', { value: e.code }, ENERGY_LABELS[e.code] ?? e.code)),
      );
      if (allowed.some((e) => e.code === keep)) energy.value = keep;
    };
    const fillUnits = () => {
      const keep = unit.value;
      const units = ref.energies.find((e) => e.code === energy.value)?.units ?? [];
      unit.replaceChildren(...units.map((u) => h('option', { value: u }, UNIT_LABELS[u] ?? u)));
      if (units.includes(keep)) unit.value = keep;
    };
    use.addEventListener('change', () => {
      fillEnergies();
      fillUnits();
    });
    energy.addEventListener('change', fillUnits);
    if (b?.use) use.value = b.use;
    fillEnergies();
    if (b?.energy) energy.value = b.energy;
    fillUnits();
    if (b?.unit) unit.value = b.unit;
    if (b?.quantity !== undefined) quantity.value = String(b.quantity);
    if (b?.amount_eur !== undefined) amount.value = String(b.amount_eur);
    const line: Line = {
      el: h('fieldset', { class: 'bill-line' }),
      inputs: { use, energy, quantity, unit, amount_eur: amount },
    };
    const remove = h('button', { type: 'button', class: 'link-button remove' }, 'Supprimer');
    remove.addEventListener('click', () => {
      const i = lines.indexOf(line);
      if (lines.length === 1) return announce('Une année de factures compte au moins une ligne.');
      lines.splice(i, 1);
      line.el.remove();
      renumber();
      (lines[Math.min(i, lines.length - 1)]?.inputs.use as HTMLElement | undefined)?.focus();
      announce(`Ligne ${i + 1} supprimée.`);
    });
    line.el.append(
      h('legend', {}, ''),
      field('use', 'Usage', use),
      field('energy', 'Énergie', energy),
      field('quantity', 'Quantité', quantity),
      field('unit', 'Unité', unit),
      field('amount', 'Montant TTC (€)', amount),
      h('div', { class: 'field f-remove' }, remove),
    );
    lines.push(line);
    list.appendChild(line.el);
    renumber();
    return line;
  };

  const fillFromYear = () => {
    const y = Number(year.value);
    const existing = opts.bills.filter((b) => b.year === y);
    if (!existing.length) return;
    lines.splice(0).forEach((l) => l.el.remove());
    existing.forEach((b) => addLine(b));
    announce(
      `${existing.length} ligne${existing.length > 1 ? 's' : ''} déjà saisie${existing.length > 1 ? 's' : ''} pour ${y}.`,
    );
  };
  year.addEventListener('change', fillFromYear);
  const existing = opts.bills.filter((b) => b.year === Number(year.value));
  if (existing.length) existing.forEach((b) => addLine(b));
  else addLine();

  const clearInvalid = () =>
    list.querySelectorAll('[aria-invalid]').forEach((el) => {
      el.removeAttribute('aria-invalid');
      el.removeAttribute('aria-errormessage');
    });
  const fail = (text: string, target?: HTMLElement) => {
    status.replaceChildren(h('p', { class: 'error' }, text));
    if (target) {
      target.setAttribute('aria-invalid', 'true');
      target.setAttribute('aria-errormessage', statusId);
      target.focus();
    }
  };

  const submit = h('button', { type: 'submit', class: 'button' }, 'Enregistrer l’année');
  const form = h(
    'form',
    { class: 'bill-form', novalidate: true, 'aria-labelledby': titleId, 'data-testid': 'bill-form' },
    h('h4', { id: titleId }, 'Saisir une année de factures'),
    h(
      'div',
      { class: 'field' },
      h('label', { for: yearId }, 'Année'),
      year,
      h(
        'p',
        { id: `${yearId}-aide`, class: 'hint' },
        'Les lignes enregistrées remplacent celles déjà saisies pour cette année.',
      ),
    ),
    list,
    h(
      'p',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'button secondary',
          onclick: () => {
            const l = addLine();
            (l.inputs.use as HTMLElement).focus();
          },
        },
        'Ajouter une ligne',
      ),
    ),
    h('p', {}, submit),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      clearInvalid();
      const y = numberOf(year.value);
      if (y === null || !Number.isInteger(y))
        return fail('Indiquez l’année des factures (par exemple 2024).', year);
      const bills = [];
      for (const [i, l] of lines.entries()) {
        const q = numberOf(l.inputs.quantity.value);
        const a = numberOf(l.inputs.amount_eur.value);
        if (q === null) return fail(`Ligne ${i + 1} : indiquez la quantité.`, l.inputs.quantity);
        if (a === null) return fail(`Ligne ${i + 1} : indiquez le montant en euros.`, l.inputs.amount_eur);
        bills.push({
          year: y,
          use: l.inputs.use.value,
          energy: l.inputs.energy.value,
          quantity: q,
          unit: l.inputs.unit.value,
          amount_eur: a,
        });
      }
      submit.disabled = true;
      status.replaceChildren(h('p', { class: 'loading' }, 'Enregistrement…'));
      try {
        await authJson(`/v1/buildings/${encodeURIComponent(opts.batid)}/energy/years/${y}`, 'PUT', { bills });
        status.replaceChildren(h('p', { class: 'success' }, `Factures de ${y} enregistrées.`));
        opts.onSaved(y);
      } catch (err) {
        const msg = accessMessage(err);
        // `bills[1].quantity: …` (our checks) or `body/bills/1/quantity …` (the schema) → that field
        const m = /bills(?:\[(\d+)\]\.|\/(\d+)\/)(\w+)/.exec(msg);
        const index = m ? Number(m[1] ?? m[2]) : -1;
        const field = m?.[3];
        const line = lines[index];
        const key = field as keyof Line['inputs'] | 'year' | undefined;
        const target = key === 'year' ? year : key && line ? line.inputs[key] : undefined;
        const where = field && line ? `Ligne ${index + 1}, ${FIELD_LABELS[field] ?? field} : ` : '';
        fail(
          err instanceof ApiError && err.status === 400
            ? `Les factures n’ont pas été enregistrées. ${where}${msg}`
            : `Les factures n’ont pas été enregistrées : ${msg}`,
          target,
        );
      } finally {
        submit.disabled = false;
      }
    })();
  });
  return form;
}
