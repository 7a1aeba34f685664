-- The group-level part of each building card, built at import (src/buildings/card.ts,
-- `buildCardBodies`): the rows the card's live statement would read for the group — addresses,
-- every thematic section, the external keys read by group — as `[[k…], [r…]]` in the live
-- statement's order. A card then reads one row here instead of ~40 index probes. One partition
-- per département, built beside it and swapped in whole (nothing deleted row by row: no dead
-- rows to vacuum, which PGlite would never do).
CREATE TABLE batid.card_body (
  code_departement_insee text NOT NULL,
  batiment_groupe_id     text NOT NULL,
  rows                   jsonb NOT NULL,
  PRIMARY KEY (code_departement_insee, batiment_groupe_id)
) PARTITION BY LIST (code_departement_insee);
-- lz4 where the server has it (Debian's PostgreSQL does, PGlite does not): pglz compressing the
-- bodies was ~20 % of a build (42.8 → 34.5 s on the scale-1 bench database)
DO $$
BEGIN
  ALTER TABLE batid.card_body ALTER COLUMN rows SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END
$$;

-- The data version each département's card bodies were built from: the latest import run that
-- wrote one of its BDNB tables (batid.source_version). Bodies of another version are never
-- read, so the cards of a département whose data changed since (an import stopped after
-- swapping a table, a database imported before this table existed) are read live until the
-- next build (`batid import`, or `batid cards`).
CREATE TABLE batid.card_build (
  code_departement_insee text PRIMARY KEY,
  run_id                 bigint NOT NULL,
  groups                 integer NOT NULL,
  built_at               timestamptz NOT NULL DEFAULT now()
);
