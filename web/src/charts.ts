import { h, s } from './dom.js';
import { num } from './format.js';

export interface Bar {
  label: string;
  value: number;
  color?: string;
  /** a second, stacked-inside value (e.g. performing renovations) */
  inner?: number;
}

/** A chart's frame with no data in it. */
function emptyChart(title: string, testid: string | undefined, empty?: string): HTMLElement {
  return h(
    'figure',
    { class: 'chart-figure', 'data-testid': testid ?? null },
    h('figcaption', {}, title),
    h('p', { class: 'muted' }, empty ?? 'Aucune donnée pour ce territoire.'),
  );
}

/**
 * A vertical bar chart in plain SVG, with its numbers written on it and a data table beside it
 * for screen readers and keyboard users.
 */
export function barChart(
  title: string,
  bars: Bar[],
  opts: {
    unit?: string;
    innerLabel?: string;
    testid?: string;
    empty?: string;
    note?: string;
    /** the header of the table's first column (default « Catégorie ») */
    category?: string;
  } = {},
): HTMLElement {
  if (!bars.length) return emptyChart(title, opts.testid, opts.empty);
  const W = 480;
  const H = 220;
  const pad = { top: 20, bottom: 32, left: 8, right: 8 };
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = (W - pad.left - pad.right) / Math.max(1, bars.length);
  const bw = Math.min(56, slot * 0.7);
  const y = (v: number) => pad.top + (H - pad.top - pad.bottom) * (1 - v / max);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, class: 'chart' });
  svg.appendChild(s('title', {}, title));
  bars.forEach((b, i) => {
    const x = pad.left + slot * i + (slot - bw) / 2;
    svg.appendChild(
      s('rect', {
        x,
        y: y(b.value),
        width: bw,
        height: Math.max(0, H - pad.bottom - y(b.value)),
        fill: b.color ?? '#000091',
        rx: 2,
      }),
    );
    if (b.inner !== undefined)
      svg.appendChild(
        s('rect', {
          x: x + bw * 0.2,
          y: y(b.inner),
          width: bw * 0.6,
          height: Math.max(0, H - pad.bottom - y(b.inner)),
          fill: '#00875A',
          rx: 1,
        }),
      );
    svg.appendChild(
      s(
        'text',
        { x: x + bw / 2, y: y(b.value) - 4, 'text-anchor': 'middle', class: 'chart-value' },
        num(b.value),
      ),
    );
    svg.appendChild(
      s(
        'text',
        { x: x + bw / 2, y: H - pad.bottom + 16, 'text-anchor': 'middle', class: 'chart-label' },
        b.label,
      ),
    );
  });
  svg.appendChild(
    s('line', { x1: pad.left, x2: W - pad.right, y1: H - pad.bottom, y2: H - pad.bottom, stroke: '#3A3A3A' }),
  );
  return h(
    'figure',
    { class: 'chart-figure', 'data-testid': opts.testid ?? null },
    h('figcaption', {}, title),
    svg,
    opts.innerLabel
      ? h('p', { class: 'hint' }, h('span', { class: 'key-inner' }), ` ${opts.innerLabel}`)
      : null,
    opts.note ? h('p', { class: 'hint' }, opts.note) : null,
    dataTable(title, bars, opts),
  );
}

/** Horizontal bars, for long category names (heating energies). */
export function hBarChart(
  title: string,
  bars: Bar[],
  opts: {
    testid?: string;
    empty?: string;
    /** room for the labels (default 150 of 480) */ labelWidth?: number;
  } = {},
): HTMLElement {
  if (!bars.length) return emptyChart(title, opts.testid, opts.empty);
  const W = 480;
  const row = 26;
  const labelW = opts.labelWidth ?? 150;
  const H = Math.max(row, bars.length * row) + 8;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, class: 'chart' });
  svg.appendChild(s('title', {}, title));
  bars.forEach((b, i) => {
    const yy = 4 + i * row;
    const w = ((W - labelW - 60) * b.value) / max;
    svg.appendChild(
      s('text', { x: labelW - 6, y: yy + row / 2 + 4, 'text-anchor': 'end', class: 'chart-label' }, b.label),
    );
    svg.appendChild(
      s('rect', {
        x: labelW,
        y: yy + 3,
        width: Math.max(0, w),
        height: row - 8,
        fill: b.color ?? '#000091',
        rx: 2,
      }),
    );
    svg.appendChild(
      s('text', { x: labelW + w + 4, y: yy + row / 2 + 4, class: 'chart-value' }, num(b.value)),
    );
  });
  return h(
    'figure',
    { class: 'chart-figure', 'data-testid': opts.testid ?? null },
    h('figcaption', {}, title),
    svg,
    dataTable(title, bars, {}),
  );
}

function dataTable(
  title: string,
  bars: Bar[],
  opts: { unit?: string; innerLabel?: string; category?: string },
): HTMLElement {
  return h(
    'details',
    { class: 'chart-data' },
    h('summary', {}, 'Voir les données'),
    h(
      'table',
      { class: 'data-table' },
      h('caption', { class: 'sr-only' }, title),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, opts.category ?? 'Catégorie'),
          h('th', { scope: 'col' }, opts.unit ?? 'Nombre'),
          opts.innerLabel ? h('th', { scope: 'col' }, opts.innerLabel) : null,
        ),
      ),
      h(
        'tbody',
        {},
        bars.map((b) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, b.label),
            h('td', {}, num(b.value)),
            opts.innerLabel ? h('td', {}, num(b.inner ?? 0)) : null,
          ),
        ),
      ),
    ),
  );
}
