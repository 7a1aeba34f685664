import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';
import { checkTile, MAX_ZOOM, TILE_LAYERS, TileInputError, type TileLayer } from '../tiles/tile-coords.js';
import { tileServiceOf } from '../tiles/tile-service.js';
import { badRequest } from './errors.js';
import { LONG_HANDLER_TIMEOUT_MS } from './limits.js';

interface TileParams {
  layer: TileLayer;
  z: number;
  x: number;
  y: number;
}

const MVT = 'application/vnd.mapbox-vector-tile';

/** Mapbox Vector Tiles (src/tiles/): 204 for an empty tile, ETag and 304. */
export function tilesRoutes(app: FastifyInstance, store: Store): void {
  const tiles = tileServiceOf(store);
  app.get<{ Params: TileParams }>(
    '/tiles/:layer/:z/:x/:y.pbf',
    {
      // the first building tile after an import rebuilds tiles.building (~20–50 s at scale 1)
      handlerTimeout: LONG_HANDLER_TIMEOUT_MS,
      schema: {
        summary: 'Tuiles vectorielles (Mapbox Vector Tile v2, Web Mercator XYZ)',
        description:
          'Une couche MVT par tuile, nommée comme la couche demandée, étendue 4096. ' +
          '`buildings` (zoom ≥ 13) : un bâtiment debout par entité ; à z13, seulement ceux qui couvrent au moins un pixel ' +
          '(tuile affichée sur 512 px : emprise ≥ 91 m² en Web Mercator, ~44 m² au sol en métropole), tous à partir de z14 ; ' +
          'avec batid, classe_dpe (dernier DPE 2021 valide, ' +
          'sinon le DPE représentatif de la BDNB), classe_dpe_2026, energie_chauffage, installation_chauffage ' +
          '(collectif | individuel), annee_construction, nb_log, usage. `networks` : réseaux de chaleur et de froid, ' +
          'réseaux et zones en construction, PDP (layer, id_fcu, nom, gestionnaire, taux_enrr, contenu_co2). ' +
          '`addresses` (zoom ≥ 16) : cle_interop_adr, numero, label. `communes` (zoom ≤ 16) : code, nom, ' +
          'batiments_avec_dpe, passoires (F+G), part_passoires (0..1, comme /v1/indicators?level=commune). ' +
          `Réponses : 200 (${MVT}), 204 pour une tuile vide, 304 si If-None-Match correspond à l’ETag ; ` +
          'Cache-Control: public, max-age=60.',
        params: {
          type: 'object',
          properties: {
            layer: { type: 'string', enum: [...TILE_LAYERS] },
            z: { type: 'integer', minimum: 0, maximum: MAX_ZOOM },
            x: { type: 'integer', minimum: 0, description: '0 … 2^z − 1' },
            y: { type: 'integer', minimum: 0, description: '0 … 2^z − 1' },
          },
          required: ['layer', 'z', 'x', 'y'],
        },
      },
    },
    async (req, reply) => {
      const { layer, z, x, y } = req.params;
      try {
        checkTile({ z, x, y });
      } catch (err) {
        if (err instanceof TileInputError) throw badRequest(err.message, 'invalid_tile');
        throw err;
      }
      void reply.header('cache-control', 'public, max-age=60');
      const inm = req.headers['if-none-match'];
      if (inm) {
        const etag = await tiles.etag(layer, { z, x, y });
        if (inm.split(',').some((t) => t.trim() === etag || t.trim() === '*'))
          return reply.header('etag', etag).status(304).send();
      }
      const tile = await tiles.tile(layer, { z, x, y });
      void reply.header('etag', tile.etag);
      if (!tile.body) return reply.status(204).send();
      return reply.type(MVT).send(Buffer.from(tile.body.buffer, tile.body.byteOffset, tile.body.byteLength));
    },
  );
}
