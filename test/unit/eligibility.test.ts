import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Geom } from '../../src/geo/wkt.js';
import { decide, thresholdsOf, type EligibilityType } from '../../src/networks/eligibility-rules.js';
import {
  NetworkIndex,
  type NetworkFeature,
  type NetworkLayer,
  type Place,
} from '../../src/networks/network-index.js';
import { eligibilityMessage } from '../../src/networks/eligibility-message.js';

// Lambert-93 around Paris; every network line runs west–east along y = Y0 from X0 to X0 + 1000.
const X0 = 650_000;
const Y0 = 6_860_000;

const line = (y = Y0, x0 = X0, x1 = X0 + 1000): Geom => ({ kind: 'LINESTRING', parts: [[[x0, y, x1, y]]] });
const square = (x: number, y: number, side: number): Geom => ({
  kind: 'POLYGON',
  parts: [[[x, y, x + side, y, x + side, y + side, x, y + side, x, y]]],
});

function feature(
  layer: NetworkLayer,
  id: number,
  geom: Geom,
  over: Partial<NetworkFeature> = {},
): NetworkFeature {
  return {
    layer,
    ref: {
      id_fcu: id,
      sncu_id: over.ref?.sncu_id ?? null,
      name: `réseau ${id}`,
      operator: 'Opérateur',
      enrr_rate: 60,
      co2_acv: 0.1,
      future: layer === 'reseau_en_construction',
    },
    communes: ['75056'],
    hasTrace: true,
    open: true,
    isZone: layer === 'reseau_en_construction' ? geom.kind === 'POLYGON' : null,
    pdpNetworkIds: [],
    pdpFutureIds: [],
    geom,
    ...over,
  };
}

const cpcu = feature('reseau_de_chaleur', 1, line(), {
  ref: {
    id_fcu: 1,
    sncu_id: '7501C',
    name: 'CPCU',
    operator: 'CPCU',
    enrr_rate: 50,
    co2_acv: 0.2,
    future: false,
  },
});
const other = feature('reseau_de_chaleur', 2, line(), {
  ref: {
    id_fcu: 2,
    sncu_id: '9201C',
    name: 'Autre',
    operator: 'X',
    enrr_rate: 50,
    co2_acv: 0.2,
    future: false,
  },
});
const future = feature('reseau_en_construction', 3, line());
const zone = feature('reseau_en_construction', 4, square(X0, Y0 + 5000, 300));
const closed = feature('reseau_de_chaleur', 5, line(), { open: false });
const cold = feature('reseau_de_froid', 6, line());
const untraced = feature(
  'reseau_de_chaleur',
  7,
  { kind: 'POINT', parts: [[[X0 + 50_000, Y0]]] },
  { hasTrace: false },
);
const futureCpcuSncu = feature('reseau_en_construction', 8, line(), {
  ref: {
    id_fcu: 8,
    sncu_id: '7501C',
    name: 'extension',
    operator: null,
    enrr_rate: null,
    co2_acv: null,
    future: true,
  },
});
const pdpPolygon = square(X0 - 2000, Y0 - 2000, 500);
const pdp = feature('pdp', 9, pdpPolygon, { pdpNetworkIds: [2] });

const at = (dy: number): Place => ({ kind: 'point', x: X0 + 500, y: Y0 + dy });

const CASES: {
  name: string;
  networks: NetworkFeature[];
  place: Place;
  commune?: string;
  type: EligibilityType;
  distance: number | null;
  network: number | null;
}[] = [
  {
    name: 'CPCU at 59 m',
    networks: [cpcu],
    place: at(59),
    type: 'reseau_existant_tres_proche',
    distance: 59,
    network: 1,
  },
  {
    name: 'CPCU at 61 m',
    networks: [cpcu],
    place: at(61),
    type: 'reseau_existant_proche',
    distance: 61,
    network: 1,
  },
  {
    name: 'CPCU at 99 m',
    networks: [cpcu],
    place: at(-99),
    type: 'reseau_existant_proche',
    distance: 99,
    network: 1,
  },
  {
    name: 'CPCU at 101 m',
    networks: [cpcu],
    place: at(101),
    type: 'reseau_existant_loin',
    distance: 101,
    network: 1,
  },
  {
    name: 'other at 99 m',
    networks: [other],
    place: at(99),
    type: 'reseau_existant_tres_proche',
    distance: 99,
    network: 2,
  },
  {
    name: 'other at 101 m',
    networks: [other],
    place: at(101),
    type: 'reseau_existant_proche',
    distance: 101,
    network: 2,
  },
  {
    name: 'other at 199 m',
    networks: [other],
    place: at(199),
    type: 'reseau_existant_proche',
    distance: 199,
    network: 2,
  },
  {
    name: 'other at 201 m',
    networks: [other],
    place: at(201),
    type: 'reseau_existant_loin',
    distance: 201,
    network: 2,
  },
  {
    name: 'other at 999 m',
    networks: [other],
    place: at(999),
    type: 'reseau_existant_loin',
    distance: 999,
    network: 2,
  },
  {
    name: 'other at 1001 m',
    networks: [other],
    place: at(1001),
    type: 'trop_eloigne',
    distance: null,
    network: null,
  },
  {
    name: 'future at 99 m',
    networks: [future],
    place: at(99),
    type: 'reseau_futur_tres_proche',
    distance: 99,
    network: 3,
  },
  {
    name: 'future at 101 m',
    networks: [future],
    place: at(101),
    type: 'reseau_futur_proche',
    distance: 101,
    network: 3,
  },
  {
    name: 'future at 201 m',
    networks: [future],
    place: at(201),
    type: 'reseau_futur_loin',
    distance: 201,
    network: 3,
  },
  {
    name: 'future with a CPCU SNCU id keeps 100/200 m',
    networks: [futureCpcuSncu],
    place: at(80),
    type: 'reseau_futur_tres_proche',
    distance: 80,
    network: 8,
  },
  {
    name: 'very close existing wins over very close future',
    networks: [future, other],
    place: at(50),
    type: 'reseau_existant_tres_proche',
    distance: 50,
    network: 2,
  },
  {
    name: 'very close future wins over close existing',
    networks: [other, feature('reseau_en_construction', 10, line(Y0 + 150))],
    place: at(120),
    type: 'reseau_futur_tres_proche',
    distance: 30,
    network: 10,
  },
  {
    name: 'inside a construction zone',
    networks: [zone, other],
    place: { kind: 'point', x: X0 + 100, y: Y0 + 5100 },
    type: 'dans_zone_reseau_futur',
    distance: null,
    network: 4,
  },
  {
    name: 'closed network ignored',
    networks: [closed],
    place: at(10),
    type: 'trop_eloigne',
    distance: null,
    network: null,
  },
  {
    name: 'cold network ignored',
    networks: [cold],
    place: at(10),
    type: 'trop_eloigne',
    distance: null,
    network: null,
  },
  {
    name: 'untraced network in the commune',
    networks: [untraced],
    place: at(5000),
    commune: '75056',
    type: 'dans_ville_reseau_existant_sans_trace',
    distance: null,
    network: 7,
  },
  {
    name: 'untraced network elsewhere',
    networks: [untraced],
    place: at(5000),
    commune: '13055',
    type: 'trop_eloigne',
    distance: null,
    network: null,
  },
  {
    name: 'in a PDP: its network, at any distance',
    networks: [pdp, other, cpcu],
    place: { kind: 'point', x: X0 - 1800, y: Y0 - 1800 },
    type: 'dans_pdp_reseau_existant',
    distance: 2546,
    network: 2,
  },
  {
    name: 'footprint 50 m from the line',
    networks: [other],
    place: { kind: 'footprint', geom: square(X0 + 400, Y0 + 50, 20) },
    type: 'reseau_existant_tres_proche',
    distance: 50,
    network: 2,
  },
  {
    name: 'footprint crossed by the line',
    networks: [other],
    place: { kind: 'footprint', geom: square(X0 + 400, Y0 - 10, 20) },
    type: 'reseau_existant_tres_proche',
    distance: 0,
    network: 2,
  },
  {
    name: 'footprint 95 m from CPCU, its centre 105 m: measured from the footprint',
    networks: [cpcu],
    place: { kind: 'footprint', geom: square(X0 + 400, Y0 + 95, 20) },
    type: 'reseau_existant_proche',
    distance: 95,
    network: 1,
  },
  {
    name: 'footprint touching a zone',
    networks: [zone],
    place: { kind: 'footprint', geom: square(X0 - 15, Y0 + 5100, 20) },
    type: 'dans_zone_reseau_futur',
    distance: null,
    network: 4,
  },
];

describe('eligibility: FCU decision on boundary cases', () => {
  for (const c of CASES)
    test(c.name, () => {
      const index = new NetworkIndex(c.networks);
      const d = decide(index.evidence(c.place, c.commune ?? null));
      assert.equal(d.type, c.type);
      assert.equal(d.distanceM, c.distance);
      assert.equal(d.network?.id_fcu ?? null, c.network);
    });
});

describe('eligibility rules', () => {
  test('thresholds: CPCU 60/100 m, others and every future network 100/200 m', () => {
    assert.deepEqual(thresholdsOf('7501C', false), { veryCloseM: 60, closeM: 100 });
    assert.deepEqual(thresholdsOf('7511c ', false), { veryCloseM: 60, closeM: 100 });
    assert.deepEqual(thresholdsOf('7501C', true), { veryCloseM: 100, closeM: 200 });
    assert.deepEqual(thresholdsOf('6905C', false), { veryCloseM: 100, closeM: 200 });
    assert.deepEqual(thresholdsOf(null, false), { veryCloseM: 100, closeM: 200 });
  });

  test('assignment: eligible, or nearer than 500 m; never to an untraced network', () => {
    const index = new NetworkIndex([other, untraced]);
    assert.equal(decide(index.evidence(at(150), null)).assignedNetworkId, 2);
    assert.equal(decide(index.evidence(at(499), null)).assignedNetworkId, 2);
    assert.equal(decide(index.evidence(at(500), null)).assignedNetworkId, null);
    assert.equal(decide(index.evidence(at(5000), '75056')).assignedNetworkId, null);
  });

  test('overlapping zones: the lowest id_fcu holds the place, points and footprints across grid cells alike', () => {
    // a 5 km zone over 3 × 3 or more cells of the area grid, a smaller one inside it astride cell edges
    const big = feature('reseau_en_construction', 21, square(X0 - 2500, Y0 - 2500, 5000));
    const small = feature('reseau_en_construction', 20, square(X0 - 500, Y0 - 500, 1000));
    const zoneOf = (networks: NetworkFeature[], p: Place) =>
      new NetworkIndex(networks).evidence(p, null).zone;
    const inBoth: Place[] = [
      { kind: 'point', x: X0, y: Y0 },
      { kind: 'point', x: X0 - 1, y: Y0 - 1 },
      // a footprint over four cells
      { kind: 'footprint', geom: square(X0 - 10, Y0 - 10, 20) },
      // one that only touches the small zone's edge
      { kind: 'footprint', geom: square(X0 + 500, Y0, 30) },
    ];
    for (const p of inBoth) {
      assert.equal(zoneOf([small, big], p)?.id_fcu, 20);
      assert.equal(zoneOf([big, small], p)?.id_fcu, 20);
    }
    for (const p of [
      { kind: 'point', x: X0 + 2000, y: Y0 + 2000 },
      { kind: 'footprint', geom: square(X0 + 1500, Y0 - 2100, 400) },
    ] as Place[]) {
      assert.equal(zoneOf([small, big], p)?.id_fcu, 21);
      assert.equal(zoneOf([big, small], p)?.id_fcu, 21);
    }
    assert.equal(zoneOf([small, big], { kind: 'point', x: X0 + 2600, y: Y0 }), null);
    // a footprint whose first cell (west) holds only the big zone, which reaches a small zone of
    // lower id in the next cell east: that zone, not the first met
    const east = feature('reseau_en_construction', 19, square(X0 + 500, Y0 + 500, 400));
    const across: Place = { kind: 'footprint', geom: square(X0 - 1000, Y0 + 600, 1600) };
    assert.equal(zoneOf([big, east], across)?.id_fcu, 19);
    assert.equal(
      zoneOf([big, east], { kind: 'footprint', geom: square(X0 - 1000, Y0 + 600, 200) })?.id_fcu,
      21,
    );
  });

  test('the message speaks of the heating only when a building was found', () => {
    const d = decide(new NetworkIndex([other]).evidence(at(40), null));
    const collective = eligibilityMessage(d, { installation: 'collectif', energy: 'gaz naturel' }, true);
    assert.match(collective, /passe à 40 m/);
    assert.match(collective, /chauffage collectif \(gaz naturel\).*plus favorable/);
    assert.match(
      eligibilityMessage(d, { installation: 'individuel', energy: 'electricite' }, true),
      /individuel/,
    );
    assert.match(eligibilityMessage(d, null, true), /pas connu/);
    assert.doesNotMatch(eligibilityMessage(d, null, false), /chauffage/);
  });
});
