/** French number and value formatting for the UI. */
const nf = new Intl.NumberFormat('fr-FR');
const pf = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 1 });

export const num = (n: number): string => nf.format(n);
export const pct = (x: number): string => pf.format(x);

export const DPE_COLORS: Record<string, string> = {
  A: '#009C6D',
  B: '#52B153',
  C: '#A5CC74',
  D: '#F4E70F',
  E: '#F0B50F',
  F: '#EB8235',
  G: '#D7221F',
};
/** Text colour readable on each label colour (contrast ≥ 4.5:1). */
export const DPE_TEXT: Record<string, string> = {
  A: '#ffffff',
  B: '#000000',
  C: '#000000',
  D: '#000000',
  E: '#000000',
  F: '#000000',
  G: '#ffffff',
};
export const LABELS = ['A', 'B', 'C', 'D', 'E', 'F', 'G'] as const;

/** "type_vitrage" → "Type vitrage" */
export function humanKey(k: string): string {
  const t = k.replace(/^l_/, '').replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export function value(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'oui' : 'non';
  if (typeof v === 'number') return num(v);
  if (Array.isArray(v)) return v.map(value).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  const s = String(v);
  // a calendar date is the same day everywhere: no time zone applied (Guadeloupe would see the day before)
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (day) return `${day[3]}/${day[2]}/${day[1]}`;
  if (/^\d{4}-\d{2}-\d{2}T/.test(s)) return new Date(s).toLocaleDateString('fr-FR');
  return s;
}

export function sourceText(src: string | string[] | undefined, millesime: string | null | undefined): string {
  const list = Array.isArray(src) ? src.join(', ') : (src ?? '');
  return [list && `Source : ${list}`, millesime && `millésime ${millesime}`].filter(Boolean).join(' — ');
}
