import type { StyleSpecification, LayerSpecification, ExpressionSpecification } from 'maplibre-gl';
import { DPE_COLORS } from './format.js';

/** Our own layers, served by /tiles/{layer}/{z}/{x}/{y}.pbf (no external base map). */
export const TILE_LAYERS = {
  communes: { minzoom: 0, maxzoom: 16 },
  buildings: { minzoom: 13, maxzoom: 16 },
  networks: { minzoom: 0, maxzoom: 16 },
  addresses: { minzoom: 16, maxzoom: 16 },
} as const;

/** Network colours, as on France Chaleur Urbaine's map. */
export const NETWORK_COLORS = {
  reseau_de_chaleur: '#C0003E',
  reseau_de_froid: '#0D6FC1',
  reseau_en_construction: '#D07A00',
  pdp: '#7D3C98',
} as const;

export const NETWORK_LABELS: Record<keyof typeof NETWORK_COLORS, string> = {
  reseau_de_chaleur: 'Réseau de chaleur existant',
  reseau_de_froid: 'Réseau de froid',
  reseau_en_construction: 'Réseau ou zone en construction',
  pdp: 'Périmètre de développement prioritaire',
};

/** Layer groups the user toggles (ids of the style layers in each). */
export const GROUPS = {
  communes: ['communes-fill', 'communes-line'],
  buildings: ['buildings-fill', 'buildings-line'],
  networks: ['pdp-fill', 'pdp-line', 'construction-fill', 'networks-line', 'networks-point'],
  addresses: ['addresses-point'],
} as const;
export type Group = keyof typeof GROUPS;

const dpeColor: ExpressionSpecification = [
  'match',
  ['get', 'classe_dpe'],
  ...Object.entries(DPE_COLORS).flat(),
  '#B8B8B8',
] as unknown as ExpressionSpecification;

const layerIs = (v: string): ExpressionSpecification => ['==', ['get', 'layer'], v];
/** The `networks` tile source and its one MVT layer. */
const FROM_NETWORKS = { source: 'networks', 'source-layer': 'networks' } as const;

export function ourSources(origin: string): StyleSpecification['sources'] {
  const src = (layer: keyof typeof TILE_LAYERS) => ({
    type: 'vector' as const,
    tiles: [`${origin}/tiles/${layer}/{z}/{x}/{y}.pbf`],
    minzoom: TILE_LAYERS[layer].minzoom,
    maxzoom: TILE_LAYERS[layer].maxzoom,
  });
  return {
    communes: src('communes'),
    buildings: src('buildings'),
    networks: src('networks'),
    addresses: src('addresses'),
    selection: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
    results: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
  };
}

export function ourLayers(): LayerSpecification[] {
  return [
    {
      id: 'communes-fill',
      type: 'fill',
      source: 'communes',
      'source-layer': 'communes',
      maxzoom: 14,
      paint: {
        'fill-color': [
          'interpolate',
          ['linear'],
          ['coalesce', ['get', 'part_passoires'], 0],
          0,
          '#FFF5EB',
          0.15,
          '#FDD0A2',
          0.3,
          '#FD8D3C',
          0.5,
          '#D94801',
          0.7,
          '#7F2704',
        ],
        'fill-opacity': ['interpolate', ['linear'], ['zoom'], 11, 0.75, 14, 0],
      },
    },
    {
      id: 'communes-line',
      type: 'line',
      source: 'communes',
      'source-layer': 'communes',
      paint: {
        'line-color': '#5A5A5A',
        'line-width': ['interpolate', ['linear'], ['zoom'], 6, 0.4, 14, 1.5],
        'line-dasharray': [3, 2],
      },
    },
    {
      id: 'pdp-fill',
      type: 'fill',
      ...FROM_NETWORKS,
      filter: ['all', layerIs('pdp'), ['==', ['geometry-type'], 'Polygon']],
      paint: { 'fill-color': NETWORK_COLORS.pdp, 'fill-opacity': 0.15 },
    },
    {
      id: 'pdp-line',
      type: 'line',
      ...FROM_NETWORKS,
      filter: ['all', layerIs('pdp'), ['==', ['geometry-type'], 'Polygon']],
      paint: { 'line-color': NETWORK_COLORS.pdp, 'line-width': 1.5, 'line-dasharray': [2, 1] },
    },
    {
      id: 'construction-fill',
      type: 'fill',
      ...FROM_NETWORKS,
      filter: ['all', layerIs('reseau_en_construction'), ['==', ['geometry-type'], 'Polygon']],
      paint: { 'fill-color': NETWORK_COLORS.reseau_en_construction, 'fill-opacity': 0.25 },
    },
    {
      id: 'buildings-fill',
      type: 'fill',
      source: 'buildings',
      'source-layer': 'buildings',
      minzoom: 13,
      paint: { 'fill-color': dpeColor, 'fill-opacity': 0.85 },
    },
    {
      id: 'buildings-line',
      type: 'line',
      source: 'buildings',
      'source-layer': 'buildings',
      minzoom: 15,
      paint: { 'line-color': '#444444', 'line-width': 0.5 },
    },
    {
      id: 'networks-line',
      type: 'line',
      ...FROM_NETWORKS,
      filter: ['all', ['!=', ['get', 'layer'], 'pdp'], ['==', ['geometry-type'], 'LineString']],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': [
          'match',
          ['get', 'layer'],
          'reseau_de_froid',
          NETWORK_COLORS.reseau_de_froid,
          'reseau_en_construction',
          NETWORK_COLORS.reseau_en_construction,
          NETWORK_COLORS.reseau_de_chaleur,
        ],
        'line-width': ['interpolate', ['linear'], ['zoom'], 8, 1.5, 16, 4],
        'line-dasharray': [
          'match',
          ['get', 'layer'],
          'reseau_en_construction',
          ['literal', [2, 1]],
          ['literal', [1, 0]],
        ],
      },
    },
    {
      id: 'networks-point',
      type: 'circle',
      ...FROM_NETWORKS,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: {
        'circle-color': [
          'match',
          ['get', 'layer'],
          'reseau_de_froid',
          NETWORK_COLORS.reseau_de_froid,
          'reseau_en_construction',
          NETWORK_COLORS.reseau_en_construction,
          'pdp',
          NETWORK_COLORS.pdp,
          NETWORK_COLORS.reseau_de_chaleur,
        ],
        'circle-radius': 6,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.5,
      },
    },
    {
      id: 'addresses-point',
      type: 'circle',
      source: 'addresses',
      'source-layer': 'addresses',
      minzoom: 16,
      paint: {
        'circle-color': '#1F1F1F',
        'circle-radius': 2.5,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1,
      },
    },
    {
      id: 'results-point',
      type: 'circle',
      source: 'results',
      paint: {
        'circle-color': ['case', ['get', 'eligible'], '#00875A', '#6E6E6E'],
        'circle-radius': 6,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    },
    {
      id: 'selection-line',
      type: 'line',
      source: 'selection',
      paint: { 'line-color': '#000091', 'line-width': 4 },
    },
  ];
}

/** The whole style with no base map: a neutral background, then our layers. */
export function ownStyle(origin: string): StyleSpecification {
  return {
    version: 8,
    name: 'BatID',
    sources: ourSources(origin),
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#F3F1EC' } },
      ...ourLayers(),
    ],
  };
}

/** A deployment's base map with our sources and layers on top. */
export function overlayOn(base: StyleSpecification, origin: string): StyleSpecification {
  return {
    ...base,
    sources: { ...base.sources, ...ourSources(origin) },
    layers: [...base.layers, ...ourLayers()],
  };
}
