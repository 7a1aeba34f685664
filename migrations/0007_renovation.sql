-- Renovation tracking (src/renovation/): what the DPE history of each building group says,
-- derived from bdnb.dpe_logement + bdnb.rel_batiment_groupe_dpe_logement at the end of every
-- import that touches them (src/renovation/derive-renovations.ts), one département at a time in
-- one transaction, so the indicators always match the imported certificates.
CREATE SCHEMA IF NOT EXISTS renovation;

-- every certificate of a group with what its history adds
CREATE TABLE renovation.dpe (
  code_departement_insee text NOT NULL,
  batiment_groupe_id     text NOT NULL,
  identifiant_dpe        text NOT NULL,
  date_etablissement_dpe date,
  methode_2021           boolean NOT NULL,
  -- the certificate that corrects this one (a corrected certificate is not valid)
  remplace_par           text,
  -- dwelling of the group (1, 2, …) for the valid 2021-method certificates
  logement               integer,
  classe_bilan_dpe       text,
  classe_facteur_2026    text,
  conso_5_usages_ep_m2   double precision,
  conso_ep_m2_facteur_2026 double precision,
  conso_5_usages_ef_m2   double precision,
  emission_ges_5_usages_m2 double precision,
  -- the 2026 electricity factor alone changes the class
  changement_methode     boolean NOT NULL,
  g_plus                 boolean NOT NULL,
  type_energie_chauffage text,
  type_installation_chauffage text,
  PRIMARY KEY (code_departement_insee, batiment_groupe_id, identifiant_dpe)
);

-- detected renovations: successive valid 2021-method certificates of one dwelling with a class gain
CREATE TABLE renovation.renovation (
  code_departement_insee text NOT NULL,
  batiment_groupe_id     text NOT NULL,
  logement               integer NOT NULL,
  dpe_avant              text NOT NULL,
  dpe_apres              text NOT NULL,
  date_avant             date,
  date_apres             date,
  classe_avant           text NOT NULL,
  classe_apres           text NOT NULL,
  classe_avant_facteur_2026 text NOT NULL,
  classe_apres_facteur_2026 text NOT NULL,
  gain_classes_travaux   integer NOT NULL,
  gain_classes_methode   integer NOT NULL,
  conso_ep_m2_economisee double precision,
  changements            jsonb NOT NULL,
  performante            boolean NOT NULL,
  motif_performante      text,
  PRIMARY KEY (code_departement_insee, batiment_groupe_id, dpe_avant, dpe_apres)
);

-- one row per building group, for the territory indicators (src/renovation/territory-indicators.ts):
-- its territories, dwellings and current state, so that counting every commune reads this narrow
-- table instead of the footprints' table and the whole history
CREATE TABLE renovation.batiment (
  code_departement_insee text NOT NULL,
  batiment_groupe_id     text NOT NULL,
  code_commune_insee     text,
  libelle_commune_insee  text,
  code_epci_insee        text,
  code_iris              text,
  nb_log                 integer NOT NULL,
  -- its latest valid 2021-method certificate
  classe_bilan_dpe       text,
  classe_facteur_2026    text,
  g_plus                 boolean,
  type_energie_chauffage text,
  type_installation_chauffage text,
  -- two valid 2021-method certificates or more (renovations can be seen), and renovated at least once
  suivi                  boolean NOT NULL,
  renove                 boolean NOT NULL,
  PRIMARY KEY (code_departement_insee, batiment_groupe_id)
);
CREATE INDEX batiment_commune_idx ON renovation.batiment (code_commune_insee);
CREATE INDEX batiment_epci_idx ON renovation.batiment (code_epci_insee);
CREATE INDEX batiment_iris_idx ON renovation.batiment (code_iris);
