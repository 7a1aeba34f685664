import { getJson, qs, type AddressHit } from './api.js';
import { h, nextId } from './dom.js';

export type Suggestion =
  { kind: 'address'; label: string; hit: AddressHit } | { kind: 'batid'; label: string; batid: string };

const BATID_RE = /^[0-9A-Z]{12}$/;

/** The suggestions for a text: a BatID when the text is one, then the best addresses. */
export async function suggest(text: string, signal: AbortSignal): Promise<Suggestion[]> {
  const q = text.trim();
  if (q.length < 3) return [];
  const out: Suggestion[] = [];
  const compact = q.replace(/[\s-]/g, '').toUpperCase();
  const asBatid = BATID_RE.test(compact)
    ? getJson<{ matches: { batid: string; status: string }[] }>(
        `/v1/resolve?${qs({ scheme: 'batid', id: compact })}`,
        signal,
      )
        .then((r) => r.matches)
        .catch(() => [])
    : Promise.resolve([]);
  const addresses = getJson<{ results: AddressHit[] }>(`/v1/addresses/search?${qs({ q, limit: 7 })}`, signal)
    .then((r) => r.results)
    .catch((err: unknown) => {
      if ((err as Error).name === 'AbortError') throw err;
      return [] as AddressHit[];
    });
  for (const m of await asBatid) out.push({ kind: 'batid', label: `Bâtiment ${m.batid}`, batid: m.batid });
  for (const a of await addresses) out.push({ kind: 'address', label: a.label, hit: a });
  return out;
}

/**
 * An accessible autocompletion box (WAI-ARIA combobox with a listbox popup): type, arrow keys to
 * move, Enter to choose, Escape to close.
 */
export function searchBox(opts: {
  label: string;
  placeholder?: string;
  onSelect: (s: Suggestion) => void;
  hint?: string;
}): HTMLElement {
  const inputId = nextId('recherche');
  const listId = nextId('suggestions');
  const hintId = nextId('aide');
  const input = h('input', {
    id: inputId,
    type: 'search',
    role: 'combobox',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    'aria-describedby': hintId,
    placeholder: opts.placeholder ?? '',
  });
  const list = h('ul', {
    id: listId,
    role: 'listbox',
    class: 'suggestions',
    'aria-label': 'Suggestions',
    hidden: true,
  });
  const status = h(
    'p',
    { id: hintId, class: 'hint' },
    opts.hint ??
      'Saisissez au moins 3 caractères, puis choisissez une suggestion avec les flèches et Entrée.',
  );
  let items: Suggestion[] = [];
  let active = -1;
  let ctrl: AbortController | null = null;
  let timer = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const highlight = (i: number) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
    if (i >= 0) input.setAttribute('aria-activedescendant', `${listId}-${i}`);
    else input.removeAttribute('aria-activedescendant');
    list.children[i]?.scrollIntoView({ block: 'nearest' });
  };
  const choose = (i: number) => {
    const s = items[i];
    if (!s) return;
    input.value = s.kind === 'address' ? s.label : s.batid;
    close();
    opts.onSelect(s);
  };
  const render = () => {
    list.replaceChildren(
      ...items.map((s, i) =>
        h(
          'li',
          {
            id: `${listId}-${i}`,
            role: 'option',
            'aria-selected': 'false',
            class: `suggestion suggestion-${s.kind}`,
            onmousedown: (e: Event) => {
              e.preventDefault();
              choose(i);
            },
          },
          h('span', { class: 'suggestion-kind' }, s.kind === 'batid' ? 'BatID' : 'Adresse'),
          ' ',
          s.label,
        ),
      ),
    );
    const open = items.length > 0;
    list.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
    status.textContent =
      input.value.trim().length < 3
        ? (opts.hint ??
          'Saisissez au moins 3 caractères, puis choisissez une suggestion avec les flèches et Entrée.')
        : open
          ? `${items.length} suggestion${items.length > 1 ? 's' : ''} : flèches haut et bas pour parcourir, Entrée pour choisir.`
          : 'Aucune adresse ni aucun BatID ne correspond.';
    active = -1;
  };
  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(async () => {
      ctrl?.abort();
      ctrl = new AbortController();
      try {
        items = await suggest(input.value, ctrl.signal);
        render();
      } catch {
        /* aborted by a newer keystroke */
      }
    }, 150);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && items.length) {
      e.preventDefault();
      if (list.hidden) render();
      highlight((active + 1) % items.length);
    } else if (e.key === 'ArrowUp' && items.length) {
      e.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (e.key === 'Enter') {
      if (!list.hidden && items.length) {
        e.preventDefault();
        choose(active >= 0 ? active : 0);
      }
    } else if (e.key === 'Escape') close();
  });
  input.addEventListener('blur', () => window.setTimeout(close, 100));
  return h(
    'div',
    { class: 'search', role: 'search' },
    h('label', { for: inputId }, opts.label),
    input,
    status,
    list,
  );
}
