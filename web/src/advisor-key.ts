import { getApiKey, setApiKey } from './api.js';
import { h, nextId } from './dom.js';

/** `batid_<id>_<secret>` → `batid_<id>_…`: enough to recognise the key, never its secret. */
const masked = (t: string) => {
  const m = /^(batid_[a-z0-9]+_)/.exec(t);
  return m ? `${m[1]}…` : `${t.slice(0, 6)}…`;
};

/** Calls `fn` whenever the key changes, while `el` is in the page. */
export function onKeyChange(el: HTMLElement, fn: () => void): void {
  const listener = () => {
    if (!el.isConnected) return window.removeEventListener('batid:cle', listener);
    fn();
  };
  window.addEventListener('batid:cle', listener);
}

const STAYS = 'Elle reste dans ce navigateur et n’est envoyée qu’à ce serveur.';
const ADVISOR_TEXT = {
  title: 'Espace conseiller',
  label: 'Clé d’API conseiller',
  hint: `Créée par l’administrateur (batid keys create --role advisor). ${STAYS}`,
};
/** The same key, for the pro routes (bulk tests, prospects). */
export const PRO_TEXT = {
  title: 'Clé d’API professionnelle',
  label: 'Clé d’API pro',
  hint: `Le test en masse est réservé aux clés pro (batid keys create --role pro). ${STAYS}`,
};

/**
 * « Espace conseiller »: paste the advisor's API key, kept in this browser (localStorage) and sent
 * as Bearer to this server only; change or forget it.
 */
export function advisorKey(
  level: 'h2' | 'h3' | 'h4' = 'h2',
  text: { title: string; label: string; hint: string } = ADVISOR_TEXT,
): HTMLElement {
  const box = h('section', { class: 'advisor-key', 'data-testid': 'advisor-key' });
  const titleId = nextId('espace-conseiller');
  box.setAttribute('aria-labelledby', titleId);
  const render = (editing = false) => {
    const key = getApiKey();
    const title = h(level, { id: titleId }, text.title);
    if (key && !editing) {
      box.replaceChildren(
        title,
        h('p', {}, 'Clé enregistrée dans ce navigateur : ', h('code', {}, masked(key))),
        h(
          'p',
          { class: 'actions' },
          h(
            'button',
            { type: 'button', class: 'button secondary', onclick: () => render(true) },
            'Changer de clé',
          ),
          ' ',
          h(
            'button',
            {
              type: 'button',
              class: 'button secondary',
              onclick: () => setApiKey(null),
            },
            'Oublier la clé',
          ),
        ),
      );
      return;
    }
    const id = nextId('cle');
    const hintId = nextId('cle-aide');
    const input = h('input', {
      id,
      type: 'password',
      name: 'cle',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-describedby': hintId,
      class: 'key-input',
    });
    const form = h(
      'form',
      { class: 'key-form' },
      h('label', { for: id }, text.label),
      h('p', { id: hintId, class: 'hint' }, text.hint),
      h(
        'div',
        { class: 'inline' },
        input,
        h('button', { type: 'submit', class: 'button' }, 'Enregistrer la clé'),
      ),
      editing
        ? h('button', { type: 'button', class: 'link-button', onclick: () => render() }, 'Annuler')
        : null,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!input.value.trim()) return input.focus();
      setApiKey(input.value);
    });
    box.replaceChildren(title, form);
  };
  render();
  onKeyChange(box, () => render());
  return box;
}
