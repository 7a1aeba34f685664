import * as maplibregl from 'maplibre-gl';
import type { StyleSpecification, GeoJSONSource } from 'maplibre-gl';
import { ApiError, getJson } from './api.js';
import { loadCard, renderCard } from './building-card.js';
import { announce, h } from './dom.js';
import { DPE_COLORS, DPE_TEXT, LABELS } from './format.js';
import { GROUPS, NETWORK_COLORS, NETWORK_LABELS, ownStyle, overlayOn, type Group } from './map-style.js';
import { searchBox, type Suggestion } from './search-box.js';
import { bboxOf, type BBox } from './geometry.js';

interface Config {
  basemap_style: string | null;
  /** extent of the buildings [minLon, minLat, maxLon, maxLat] */
  bounds?: [number, number, number, number] | null;
}

const GROUP_LABELS: Record<Group, string> = {
  communes: 'Communes (part de passoires F et G)',
  buildings: 'Bâtiments (étiquette DPE)',
  networks: 'Réseaux de chaleur et de froid',
  addresses: 'Adresses',
};

async function styleFor(cfg: Config): Promise<StyleSpecification> {
  if (cfg.basemap_style) {
    try {
      return overlayOn(await getJson<StyleSpecification>(cfg.basemap_style), location.origin);
    } catch {
      /* the base map is optional: our own layers stand alone */
    }
  }
  return ownStyle(location.origin);
}

function legend(): HTMLElement {
  return h(
    'section',
    { class: 'legend', 'aria-labelledby': 'legende-titre' },
    h('h2', { id: 'legende-titre' }, 'Légende'),
    h('h3', {}, 'Étiquette DPE des bâtiments'),
    h(
      'ul',
      { class: 'legend-dpe' },
      LABELS.map((l) =>
        h(
          'li',
          {},
          h('span', { class: 'swatch', style: `background:${DPE_COLORS[l]};color:${DPE_TEXT[l]}` }, l),
        ),
      ),
      h('li', {}, h('span', { class: 'swatch', style: 'background:#B8B8B8;color:#000' }, '?'), ' sans DPE'),
    ),
    h('h3', {}, 'Réseaux'),
    h(
      'ul',
      { class: 'legend-networks' },
      (Object.keys(NETWORK_COLORS) as (keyof typeof NETWORK_COLORS)[]).map((k) =>
        h(
          'li',
          {},
          h('span', { class: `line-swatch line-${k}`, style: `background:${NETWORK_COLORS[k]}` }),
          ' ',
          NETWORK_LABELS[k],
        ),
      ),
    ),
    h(
      'p',
      { class: 'hint' },
      'À petite échelle, les communes sont colorées selon la part de bâtiments classés F ou G ; zoomez pour voir les bâtiments.',
    ),
  );
}

export async function mapPage(main: HTMLElement, initialBatid: string | null): Promise<void> {
  const cfg = await getJson<Config>('/config.json').catch((): Config => ({ basemap_style: null }));
  const panel = h('div', { class: 'card-panel', 'aria-live': 'polite' });
  const mapEl = h('div', {
    id: 'carte',
    class: 'map',
    role: 'region',
    'aria-label': 'Carte des bâtiments et des réseaux de chaleur',
  });
  let map: maplibregl.Map | null = null;
  let markReady: () => void = () => undefined;
  const mapReady = new Promise<void>((resolve) => (markReady = resolve));

  const toggles = h(
    'fieldset',
    { class: 'toggles' },
    h('legend', {}, 'Couches affichées'),
    (Object.keys(GROUPS) as Group[]).map((g) => {
      const id = `couche-${g}`;
      const box = h('input', { type: 'checkbox', id, checked: true });
      box.addEventListener('change', () => {
        for (const l of GROUPS[g])
          if (map?.getLayer(l)) map.setLayoutProperty(l, 'visibility', box.checked ? 'visible' : 'none');
      });
      return h('div', { class: 'toggle' }, box, h('label', { for: id }, GROUP_LABELS[g]));
    }),
  );

  const showGeometry = async (
    geom: { type: string; coordinates: unknown } | null | undefined,
    point?: [number, number],
  ) => {
    await mapReady;
    if (!map) return;
    const src = map.getSource('selection') as GeoJSONSource | undefined;
    src?.setData({
      type: 'FeatureCollection',
      features: geom ? [{ type: 'Feature', properties: {}, geometry: geom as never }] : [],
    });
    const box: BBox | null = geom ? bboxOf(geom) : point ? [point[0], point[1], point[0], point[1]] : null;
    if (box)
      map.fitBounds(
        [
          [box[0], box[1]],
          [box[2], box[3]],
        ],
        { maxZoom: 18, padding: 80, duration: reducedMotion() ? 0 : 1200 },
      );
  };

  const closeCard = () => {
    panel.replaceChildren();
    const src = map?.getSource('selection') as GeoJSONSource | undefined;
    src?.setData({ type: 'FeatureCollection', features: [] });
    if (location.pathname !== '/') history.pushState(null, '', '/');
    document.title = 'BatID — carte';
  };

  const openBuilding = async (batid: string, push = true) => {
    panel.replaceChildren(h('p', { class: 'loading' }, `Chargement de la fiche du bâtiment ${batid}…`));
    try {
      const data = await loadCard(batid);
      const card = renderCard(data, closeCard);
      panel.replaceChildren(card);
      if (push && location.pathname !== `/b/${data.card.batid}`)
        history.pushState({ batid: data.card.batid }, '', `/b/${data.card.batid}`);
      document.title = `Bâtiment ${data.card.batid} — BatID`;
      void showGeometry(data.card.geometry);
      card.querySelector<HTMLElement>('#card-title')?.focus();
      announce(`Fiche du bâtiment ${data.card.batid} ouverte.`);
    } catch (err) {
      const msg =
        err instanceof ApiError && err.status === 404
          ? `Aucun bâtiment ${batid}.`
          : `La fiche n’a pas pu être chargée : ${(err as Error).message}`;
      panel.replaceChildren(h('p', { class: 'error', role: 'alert' }, msg));
    }
  };

  const onSelect = (s: Suggestion) => {
    if (s.kind === 'batid') return void openBuilding(s.batid);
    const [first] = s.hit.batids;
    if (first) void openBuilding(first);
    else {
      panel.replaceChildren(h('p', {}, `Aucun bâtiment rattaché à l’adresse ${s.label}.`));
      void showGeometry(null, [s.hit.lon, s.hit.lat]);
    }
  };

  main.classList.add('map-layout');
  main.replaceChildren(
    h(
      'div',
      { class: 'side' },
      h('h1', { class: 'sr-only' }, 'Carte des bâtiments'),
      searchBox({
        label: 'Rechercher une adresse ou un BatID',
        placeholder: 'ex. 12 rue de la Paix Moulins',
        onSelect,
      }),
      panel,
      h('details', { class: 'map-options' }, h('summary', {}, 'Couches et légende'), toggles, legend()),
    ),
    mapEl,
  );

  try {
    maplibregl.setWorkerUrl(new URL('/assets/maplibre-gl-worker.mjs', location.origin).href);
    map = new maplibregl.Map({
      container: mapEl,
      style: await styleFor(cfg),
      ...(cfg.bounds
        ? { bounds: cfg.bounds, fitBoundsOptions: { padding: 20 } }
        : { center: [2.5, 46.5] as [number, number], zoom: 5 }),
      attributionControl: {
        compact: true,
        customAttribution: 'BDNB (CSTB), BAN, France Chaleur Urbaine — Licence Ouverte',
      },
      locale: {
        'NavigationControl.ZoomIn': 'Zoomer',
        'NavigationControl.ZoomOut': 'Dézoomer',
        'NavigationControl.ResetBearing': 'Réorienter vers le nord',
        'ScaleControl.Meters': 'm',
        'ScaleControl.Kilometers': 'km',
        'Map.Title': 'Carte',
        'AttributionControl.ToggleAttribution': 'Afficher ou masquer les sources',
      },
    });
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    map.on('click', 'buildings-fill', (e) => {
      const batid = e.features?.[0]?.properties?.batid;
      if (typeof batid === 'string') void openBuilding(batid);
    });
    map.on('mouseenter', 'buildings-fill', () => map && (map.getCanvas().style.cursor = 'pointer'));
    map.on('mouseleave', 'buildings-fill', () => map && (map.getCanvas().style.cursor = ''));
    map.on('error', (e) => {
      // a missing tile layer must not break the page: log it once per source
      console.warn('carte :', e.error?.message ?? e);
    });
    map.once('load', () => {
      document.body.dataset.map = 'ready';
      markReady();
    });
    (window as unknown as { batidMap?: maplibregl.Map }).batidMap = map;
  } catch (err) {
    mapEl.replaceChildren(
      h(
        'p',
        { class: 'error', role: 'alert' },
        `La carte ne peut pas s’afficher sur ce navigateur (${(err as Error).message}). La recherche et les fiches restent disponibles.`,
      ),
    );
    document.body.dataset.map = 'unavailable';
    map = null;
    markReady();
  }
  if (initialBatid) void openBuilding(initialBatid, false);

  window.addEventListener('popstate', () => {
    const m = /^\/b\/([^/]+)$/.exec(location.pathname);
    if (m?.[1]) void openBuilding(decodeURIComponent(m[1]), false);
    else closeCard();
  });
}

function reducedMotion(): boolean {
  return window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
}
