/** The e-mails of the demands (issue 11), in French, as pure functions of their facts. */
import type { MailMessage } from '../mail/mailer.js';
import { STATUS_LABELS, type DemandStatus } from './api-types.js';
import type { Assignment } from './assignment.js';

const FR_DAY = new Intl.DateTimeFormat('fr-FR', {
  timeZone: 'Europe/Paris',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
});
/** The day of an instant in metropolitan France, as the operators read it (DD/MM/YYYY). */
const frDate = (iso: string) => FR_DAY.format(new Date(iso));

/** To the requester, once the demand is recorded: what happens next and the follow link. */
export function confirmationMail(d: {
  to: string;
  name: string;
  address: string;
  eligible: boolean;
  assignment: Assignment;
  followUrl: string;
  retentionDays: number;
}): MailMessage {
  const who =
    d.assignment.assignedTo === 'network'
      ? `au gestionnaire du réseau de chaleur ${d.assignment.network.name ?? d.assignment.network.sncu_id}`
      : 'aux conseillers de votre territoire';
  return {
    to: d.to,
    subject: 'Votre demande de raccordement à un réseau de chaleur a bien été reçue',
    text: [
      `Bonjour ${d.name},`,
      '',
      `Nous avons bien reçu votre demande pour l’adresse : ${d.address}.`,
      d.eligible
        ? 'D’après les données disponibles, ce bâtiment est éligible à un raccordement.'
        : 'D’après les données disponibles, ce bâtiment n’est pas immédiatement raccordable ; un interlocuteur étudiera tout de même votre demande.',
      `Votre demande a été transmise ${who}, qui vous recontactera.`,
      '',
      'Suivre l’avancement de votre demande, ou la retirer (elle est alors effacée) :',
      d.followUrl,
      '',
      'Ce lien est personnel : ne le transmettez pas.',
      `Vos coordonnées ne servent qu’à traiter cette demande ; elles sont effacées ${d.retentionDays} jours après sa clôture, ou dès que vous la retirez.`,
      '',
      'Cet e-mail a été envoyé automatiquement, merci de ne pas y répondre.',
    ].join('\n'),
  };
}

export interface ReminderLine {
  id: string;
  address: string;
  status: DemandStatus;
  statusChangedAt: string;
  rank: 1 | 2;
}

/** To an operator (or advisor) contact: the demands without a status change for a month or more. */
export function reminderMail(to: string, lines: readonly ReminderLine[]): MailMessage {
  const n = lines.length;
  return {
    to,
    subject:
      n === 1
        ? 'Relance : 1 demande de raccordement sans changement de statut depuis un mois'
        : `Relance : ${n} demandes de raccordement sans changement de statut depuis un mois`,
    text: [
      'Bonjour,',
      '',
      n === 1
        ? 'La demande suivante n’a pas changé de statut depuis plus d’un mois :'
        : `Les ${n} demandes suivantes n’ont pas changé de statut depuis plus d’un mois :`,
      '',
      ...lines.map(
        (l) =>
          `- ${l.address} — « ${STATUS_LABELS[l.status]} » depuis le ${frDate(l.statusChangedAt)} (${l.rank === 1 ? '1re relance' : '2e relance'}) — référence ${l.id}`,
      ),
      '',
      'Mettez à jour leur statut dans votre espace (ou par l’API : PATCH /v1/demands/{référence}).',
      'Une seconde relance est envoyée 15 jours après la première, puis plus aucune tant que le statut ne change pas.',
    ].join('\n'),
  };
}
