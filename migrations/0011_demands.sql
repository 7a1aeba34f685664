-- Contact requests ("demandes") after an eligibility result, the operator workspace and its
-- reminders (issue 11 §1–§3; src/demands/). Only what the request needs is kept, and personal
-- fields are erased on withdrawal and after the retention period: an erased request leaves only
-- anonymous counts (demands.erased_count), never a row that names a person or a building.

-- Operator keys: bound to networks by SNCU id; any key may carry a contact e-mail (reminders).
ALTER TABLE access.api_key DROP CONSTRAINT api_key_role_check;
ALTER TABLE access.api_key ADD CONSTRAINT api_key_role_check
  CHECK (role IN ('public', 'pro', 'advisor', 'admin', 'operator'));
ALTER TABLE access.api_key ADD COLUMN networks text[] NOT NULL DEFAULT '{}';
ALTER TABLE access.api_key ADD COLUMN contact_email text;

CREATE SCHEMA IF NOT EXISTS demands;

CREATE TABLE demands.demand (
  id                     text PRIMARY KEY,
  -- SHA-256 of the requester's follow token (the token itself is only in the link sent to them)
  follow_token_hash      text NOT NULL UNIQUE,
  requester_type         text NOT NULL CHECK (requester_type IN ('copropriete_conseil_syndical',
    'copropriete_syndic', 'bailleur_social', 'gestionnaire_tertiaire', 'proprietaire_maison',
    'professionnel')),
  name                   text NOT NULL,
  email                  text NOT NULL,
  phone                  text,
  -- the place: the address as given (or as found), its BAN key, the building
  address                text NOT NULL,
  cle_interop_adr        text,
  batid                  text,
  code_commune_insee     text,
  code_departement_insee text,
  code_epci_insee        text,
  heating_mode           text CHECK (heating_mode IN ('collectif', 'individuel')),
  heating_energy         text,
  dwellings              integer CHECK (dwellings > 0),
  message                text NOT NULL DEFAULT '',
  consent                boolean NOT NULL CHECK (consent),
  consent_at             timestamptz NOT NULL,
  -- the eligibility computed by the server when the request came in
  eligibility_type       text NOT NULL,
  eligibility_distance_m integer,
  eligible               boolean NOT NULL,
  networks_version       bigint NOT NULL,
  -- assigned to a network (operators bound to its SNCU id) or to the territory (advisors)
  assigned_to            text NOT NULL CHECK (assigned_to IN ('network', 'territory')),
  network_id_fcu         integer,
  network_sncu_id        text,
  network_name           text,
  status                 text NOT NULL CHECK (status IN ('a_traiter', 'non_realisable',
    'recontacte_pour_etude', 'proposition_envoyee', 'vote_en_ag', 'travaux_en_cours', 'realise',
    'projet_abandonne')),
  status_changed_at      timestamptz NOT NULL,
  created_at             timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL,
  closed_at              timestamptz,
  CHECK (assigned_to = 'territory' OR network_sncu_id IS NOT NULL)
);
CREATE INDEX demand_network_idx ON demands.demand (network_sncu_id, created_at) WHERE assigned_to = 'network';
CREATE INDEX demand_territory_idx ON demands.demand (code_departement_insee, created_at) WHERE assigned_to = 'territory';
CREATE INDEX demand_open_idx ON demands.demand (status_changed_at) WHERE closed_at IS NULL;
CREATE INDEX demand_closed_idx ON demands.demand (closed_at) WHERE closed_at IS NOT NULL;

-- Dated history: creation, status changes, comments (internal, or shown to the requester).
CREATE TABLE demands.event (
  id                   bigserial PRIMARY KEY,
  demand_id            text NOT NULL REFERENCES demands.demand (id) ON DELETE CASCADE,
  at                   timestamptz NOT NULL,
  kind                 text NOT NULL CHECK (kind IN ('created', 'status', 'comment')),
  from_status          text,
  status               text,
  text                 text,
  visible_to_requester boolean NOT NULL DEFAULT false,
  -- the key that did it ('demandeur' for the requester's own actions)
  key_id               text NOT NULL,
  key_label            text NOT NULL DEFAULT ''
);
CREATE INDEX event_demand_idx ON demands.event (demand_id, at, id);

-- Reminders sent to the demand's operators/advisors: at most one per rank and per period without a
-- status change (period_start = the status_changed_at it refers to). The row is written before
-- the e-mail goes (a claim, so two processes never send the same one) and removed if it fails.
CREATE TABLE demands.reminder (
  demand_id    text NOT NULL REFERENCES demands.demand (id) ON DELETE CASCADE,
  period_start timestamptz NOT NULL,
  rank         smallint NOT NULL CHECK (rank IN (1, 2)),
  sent_at      timestamptz NOT NULL,
  recipients   text[] NOT NULL,
  PRIMARY KEY (demand_id, period_start, rank)
);

-- What an erased request leaves: anonymous counts for the statistics (month, département,
-- network, eligibility, requester type, last status, why it was erased).
CREATE TABLE demands.erased_count (
  month                  text NOT NULL,
  code_departement_insee text NOT NULL DEFAULT '',
  network_sncu_id        text NOT NULL DEFAULT '',
  eligibility_type       text NOT NULL,
  eligible               boolean NOT NULL,
  requester_type         text NOT NULL,
  status                 text NOT NULL,
  reason                 text NOT NULL CHECK (reason IN ('withdrawn', 'retention')),
  n                      integer NOT NULL,
  PRIMARY KEY (month, code_departement_insee, network_sncu_id, eligibility_type, eligible,
    requester_type, status, reason)
);
