/** The demands API's codes, labels and answers, shared with the server (src/demands/api-types.ts). */
export {
  HEATING_ENERGIES,
  HEATING_ENERGY_LABELS,
  HEATING_MODES,
  HEATING_MODE_LABELS,
  REQUESTER_TYPES,
  REQUESTER_TYPE_LABELS,
  STATUSES,
  STATUS_LABELS,
} from '../../src/demands/api-types.js';
export type {
  DemandCreated,
  DemandDetail,
  DemandFollowView,
  DemandReminderRow,
  DemandRequest,
  DemandStatus,
  DemandSummary,
  HeatingEnergy,
  HeatingMode,
  RequesterType,
} from '../../src/demands/api-types.js';
import { ApiError } from './api.js';

/** GET /v1/demands/reference. */
export interface DemandReference {
  retention_days_after_closing: number;
}

const FIELDS: Record<string, string> = {
  requester_type: 'le type de demandeur',
  name: 'le nom',
  email: 'l’adresse e-mail',
  phone: 'le téléphone',
  address: 'l’adresse',
  batid: 'le BatID',
  heating_mode: 'le mode de chauffage',
  heating_energy: 'l’énergie de chauffage',
  dwellings: 'le nombre de logements',
  message: 'le message',
};

/** A French sentence for an error of the demands API, from its code (and the field it names). */
export function demandErrorMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return `La demande n’a pas pu être envoyée : ${(err as Error).message}`;
  switch (err.code) {
    case 'consent_required':
      return 'Cochez la case d’accord : sans elle, le gestionnaire ne peut pas vous recontacter.';
    case 'place_required':
      return 'Il manque l’adresse du bâtiment : refaites le test d’éligibilité.';
    case 'address_not_found':
      return 'Cette adresse n’a pas été retrouvée : refaites le test avec une adresse proposée.';
    case 'building_not_found':
      return 'Ce bâtiment n’a pas été retrouvé : refaites le test d’éligibilité.';
    case 'networks_not_loaded':
      return 'Les réseaux de chaleur ne sont pas encore chargés sur ce serveur : réessayez plus tard.';
    case 'rate_limited':
      return 'Trop de demandes en peu de temps : réessayez dans une minute.';
    case 'not_found':
      return 'Cette demande n’existe pas ou a été retirée.';
  }
  if (err.status === 429) return 'Trop de demandes en peu de temps : réessayez dans une minute.';
  const field = /^(\w+):/.exec(err.message)?.[1];
  if (field === 'email') return 'L’adresse e-mail n’est pas valide (exemple : prenom.nom@exemple.fr).';
  if (field === 'phone')
    return 'Le numéro de téléphone n’est pas valide : un numéro français, par exemple 06 12 34 56 78.';
  if (field === 'dwellings') return 'Le nombre de logements doit être un nombre entier entre 1 et 100 000.';
  if (field === 'name' && /required/.test(err.message)) return 'Indiquez votre nom.';
  if (field && FIELDS[field]) return `Vérifiez ${FIELDS[field]} : ${err.message.slice(field.length + 2)}.`;
  if (err.status >= 500) return 'Le serveur n’a pas pu enregistrer la demande : réessayez plus tard.';
  return `La demande n’a pas été acceptée : ${err.message}`;
}

/** '2026-03-01T10:00:00Z' → '01/03/2026 à 11:00' (heure de Paris). */
export function dateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d
    .toLocaleString('fr-FR', {
      timeZone: 'Europe/Paris',
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    })
    .replace(' ', ' à ');
}
