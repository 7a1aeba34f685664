/**
 * The JSON documents of the OGC API (landing page, conformance, collections, items): values in,
 * documents out. `base` is the absolute URL of the API root (`http://host/ogc`): GDAL and QGIS
 * follow the links as they are, so they must be absolute.
 */
import type { Bbox } from '../buildings/locate.js';
import type { CollectionDef } from './ogc-collections.js';

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
export const JSON_TYPE = 'application/json';
export const GEOJSON_TYPE = 'application/geo+json';

/**
 * The conformance classes really implemented. Not `oas30`: the API definition (/openapi.json)
 * is OpenAPI 3.1; not `html`: JSON only.
 */
export const CONFORMS_TO = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
] as const;

export interface Link {
  href: string;
  rel: string;
  type?: string;
  title?: string;
}

export function landingPage(base: string, origin: string) {
  return {
    title: 'BatID — OGC API Features',
    description:
      'Les bâtiments (un BatID chacun), les adresses et les réseaux de chaleur et de froid, en GeoJSON WGS84.',
    links: [
      { href: base, rel: 'self', type: JSON_TYPE, title: 'cette page' },
      {
        href: `${origin}/openapi.json`,
        rel: 'service-desc',
        type: 'application/vnd.oai.openapi+json;version=3.1',
        title: 'la définition de l’API (OpenAPI 3.1)',
      },
      { href: `${origin}/docs`, rel: 'service-doc', type: 'text/html', title: 'la documentation de l’API' },
      {
        href: `${base}/conformance`,
        rel: 'conformance',
        type: JSON_TYPE,
        title: 'les classes de conformité',
      },
      { href: `${base}/collections`, rel: 'data', type: JSON_TYPE, title: 'les collections' },
    ] satisfies Link[],
  };
}

export function collectionDoc(base: string, def: CollectionDef, extent: Bbox | null) {
  const self = `${base}/collections/${def.id}`;
  return {
    id: def.id,
    title: def.title,
    description: def.description,
    itemType: 'feature',
    crs: [CRS84],
    ...(extent ? { extent: { spatial: { bbox: [[...extent]], crs: CRS84 } } } : {}),
    links: [
      { href: self, rel: 'self', type: JSON_TYPE, title: def.title },
      { href: `${self}/items`, rel: 'items', type: GEOJSON_TYPE, title: `${def.title} (GeoJSON)` },
    ] satisfies Link[],
  };
}

/**
 * A FeatureCollection as text around feature texts written by the database (parsing and
 * re-serialising up to 10,000 geometries would cost more than the query).
 */
export function featureCollectionText(page: {
  features: readonly string[];
  links: readonly Link[];
  numberMatched?: number;
  timeStamp: string;
}): string {
  const head = {
    type: 'FeatureCollection',
    timeStamp: page.timeStamp,
    ...(page.numberMatched === undefined ? {} : { numberMatched: page.numberMatched }),
    numberReturned: page.features.length,
    links: page.links,
  };
  return `${JSON.stringify(head).slice(0, -1)},"features":[${page.features.join(',')}]}`;
}

/** One feature's text with its links (self, collection) added. */
export function featureText(feature: string, links: readonly Link[]): string {
  return `${feature.slice(0, -1)},"links":${JSON.stringify(links)}}`;
}
