/**
 * The plain French sentence of an eligibility answer: what the FCU type means, then what the
 * building's heating makes of it (individual heating is the first cause of failed demands).
 */
import type { Decision } from './eligibility-rules.js';

export interface Heating {
  /** 'collectif' | 'individuel' | other text of the DPE, null when unknown */
  installation: string | null;
  energy: string | null;
}

const quoted = (name: string | null | undefined) => (name ? ` « ${name} »` : '');
const metres = (d: number | null) => (d === null ? '' : ` à ${d.toLocaleString('fr-FR')} m`);

function typeSentence(d: Decision): string {
  const n = d.network;
  const name = quoted(n?.name ?? n?.sncu_id ?? null);
  const by = n?.operator ? ` (gestionnaire : ${n.operator})` : '';
  switch (d.type) {
    case 'dans_pdp_reseau_existant':
      return `Ce lieu est dans le périmètre de développement prioritaire du réseau de chaleur${name}${by} : le raccordement y est possible, et obligatoire pour un bâtiment neuf ou qui remplace une installation de chauffage au-dessus d’un seuil de puissance.`;
    case 'dans_pdp_reseau_futur':
      return `Ce lieu est dans le périmètre de développement prioritaire d’un réseau de chaleur en construction${name}${by} : le raccordement sera possible, et obligatoire dans certains cas, à sa mise en service.`;
    case 'reseau_existant_tres_proche':
      return `Le réseau de chaleur${name} passe${metres(d.distanceM)}${by} : le raccordement est très probablement possible.`;
    case 'reseau_futur_tres_proche':
      return `Un réseau de chaleur en construction${name} passera${metres(d.distanceM)}${by} : le raccordement sera envisageable à sa mise en service.`;
    case 'dans_zone_reseau_futur':
      return `Ce lieu est dans une zone où un réseau de chaleur est en construction${name}${by} : le raccordement sera envisageable.`;
    case 'reseau_existant_proche':
      return `Le réseau de chaleur${name} passe${metres(d.distanceM)}${by} : le raccordement est envisageable, sous réserve d’une étude du gestionnaire.`;
    case 'reseau_futur_proche':
      return `Un réseau de chaleur en construction${name} passera${metres(d.distanceM)}${by} : le raccordement pourra être étudié à sa mise en service.`;
    case 'reseau_existant_loin':
      return `Le réseau de chaleur le plus proche${name} est${metres(d.distanceM)} : c’est loin pour un raccordement, sauf pour un gros consommateur de chaleur.`;
    case 'reseau_futur_loin':
      return `Le réseau de chaleur en construction le plus proche${name} sera${metres(d.distanceM)} : c’est loin pour un raccordement, sauf pour un gros consommateur de chaleur.`;
    case 'dans_ville_reseau_existant_sans_trace':
      return `Un réseau de chaleur existe dans la commune${name} mais son tracé n’est pas connu : son gestionnaire peut dire si le raccordement est possible.`;
    case 'trop_eloigne':
      return 'Aucun réseau de chaleur connu à moins de 1 000 m : le raccordement n’est pas envisageable aujourd’hui.';
  }
}

const FAVOURABLE = /gaz|fioul|fuel|gpl|propane|charbon/i;

function heatingSentence(h: Heating | null): string {
  if (!h || (!h.installation && !h.energy))
    return 'Le mode de chauffage du bâtiment n’est pas connu (aucun DPE).';
  const energy = h.energy ? ` (${h.energy})` : '';
  const inst = h.installation?.toLowerCase() ?? '';
  if (/r[ée]seau de chaleur/i.test(h.energy ?? ''))
    return 'D’après son DPE, le bâtiment est déjà chauffé par un réseau de chaleur.';
  if (inst.startsWith('collectif')) {
    if (FAVOURABLE.test(h.energy ?? ''))
      return `Le bâtiment a un chauffage collectif${energy} : c’est la situation la plus favorable, la chaufferie pouvant être remplacée par une sous-station du réseau.`;
    return `Le bâtiment a un chauffage collectif${energy} : un raccordement est techniquement envisageable.`;
  }
  if (inst.startsWith('individuel'))
    return `Le chauffage du bâtiment est individuel${energy} : se raccorder demanderait de créer une distribution collective de chauffage, ce qui est rarement fait.`;
  return `Chauffage du bâtiment : ${[h.installation, h.energy].filter(Boolean).join(', ')}.`;
}

/** The sentence for an answer; the heating part only when a building was found. */
export function eligibilityMessage(d: Decision, heating: Heating | null, buildingFound: boolean): string {
  const first = typeSentence(d);
  return buildingFound ? `${first} ${heatingSentence(heating)}` : first;
}
