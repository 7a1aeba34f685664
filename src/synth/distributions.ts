/**
 * Shares the synthetic département draws from, with their rough sources. They make the data look
 * like a rural département such as Allier (03); they are not statistics of it.
 */

/** DPE labels of dwellings, 2021 method (ONRE/SDES, parc au 1er janvier 2023, ~national). */
export const DPE_CLASS = { A: 2, B: 3, C: 12, D: 31, E: 27, F: 15, G: 10 } as const;

/** kWh EP/m²/yr bounds per label (domain.md §4, strict upper bounds). */
export const DPE_BOUNDS: Record<keyof typeof DPE_CLASS, [number, number]> = {
  A: [40, 70],
  B: [70, 110],
  C: [110, 180],
  D: [180, 250],
  E: [250, 330],
  F: [330, 420],
  G: [420, 620],
};
/** kg CO2/m²/yr bounds per label. */
export const GES_BOUNDS: Record<keyof typeof DPE_CLASS, [number, number]> = {
  A: [1, 6],
  B: [6, 11],
  C: [11, 30],
  D: [30, 50],
  E: [50, 70],
  F: [70, 100],
  G: [100, 140],
};

/** Construction periods; rural centre of France: many pre-1948 houses (INSEE RP, Allier). */
export const PERIOD = {
  '1800-1914': 30,
  '1915-1947': 10,
  '1948-1974': 20,
  '1975-1988': 14,
  '1989-2000': 11,
  '2001-2012': 10,
  '2013-2023': 5,
} as const;

/** Main heating energy of dwellings (CEREN / SDES, rural-heavy mix). */
export const HEATING_INDIVIDUAL = {
  electricite: 34,
  'gaz naturel': 22,
  fioul: 17,
  bois: 20,
  GPL: 3,
  'pompe a chaleur': 4,
} as const;
export const HEATING_COLLECTIVE = {
  'gaz naturel': 62,
  fioul: 14,
  electricite: 12,
  'reseau de chaleur': 12,
} as const;

/** Building use of groups (BDNB usage_niveau_1_txt). */
export const USE = {
  'Résidentiel individuel': 64,
  'Résidentiel collectif': 4,
  Tertiaire: 6,
  Dépendance: 20,
  Agricole: 4,
  Industriel: 2,
} as const;

export const WALL = { Pierre: 38, Brique: 16, 'Parpaing/béton': 36, Bois: 3, Mixte: 7 } as const;
export const ROOF = { Tuiles: 72, Ardoises: 14, 'Tôle/bac acier': 8, 'Terrasse béton': 6 } as const;

/** Clay shrink-swell and radon exposure (Géorisques; Allier has radon zone 3 on the Massif central edge). */
export const CLAY = { Faible: 55, Moyen: 35, Fort: 10 } as const;
export const RADON = { Faible: 45, Moyen: 30, Elevé: 25 } as const;

/** Of collective housing groups: registered co-ownerships (RNC) and social housing (RPLS). */
export const COPRO_SHARE = 0.55;
export const SOCIAL_SHARE = 0.3;
/** Of groups: how many have constructions 1, 2 or 3 (BDNB: 405k constructions for 272k groups). */
export const CONSTRUCTIONS = { '1': 64, '2': 25, '3': 11 } as const;
