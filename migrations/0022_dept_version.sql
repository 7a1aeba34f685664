-- What every building card asks per département, read by key: the millésime of each table (the
-- card's `millesime` of each section) and the data version its card bodies are checked against.
-- Aggregating the ~60 rows of batid.source_version for these was a quarter of a card's statement
-- on PGlite (0.61 → 0.46 ms). Kept by a trigger, so that every writer of source_version keeps it.
--
-- The data version is a generation, bumped by every write of a BDNB table's row of
-- source_version (each table swap of an import: the tables of one run are swapped one by one) and
-- by the derived renovations (`batid.dept_data_changed`): bodies built while a run was half
-- swapped are stale as soon as the next table lands, even within the same run. BAN addresses are
-- not in the card: their rows change the millésimes only.
CREATE SEQUENCE batid.data_version_seq;

CREATE TABLE batid.dept_version (
  code_departement_insee text PRIMARY KEY,
  versions               jsonb NOT NULL,
  data_version           bigint
);

-- The département's row is created or locked in one statement, then recomputed by another: that
-- one sees every transaction that wrote the département before this one got the lock (READ
-- COMMITTED: a fresh snapshot per statement), so concurrent writers cannot leave it stale. The
-- row is never deleted (a département with no table left keeps '{}').
CREATE FUNCTION batid.dept_version_refresh(dept text, bump boolean) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO batid.dept_version AS d (code_departement_insee, versions) VALUES (dept, '{}')
    ON CONFLICT (code_departement_insee) DO UPDATE SET versions = d.versions;
  UPDATE batid.dept_version d
     SET versions = (SELECT coalesce(jsonb_object_agg(v.table_name, v.millesime), '{}')
                       FROM batid.source_version v WHERE v.code_departement_insee = dept),
         data_version = CASE WHEN bump THEN nextval('batid.data_version_seq') ELSE d.data_version END
   WHERE d.code_departement_insee = dept;
END
$$;

-- For what changes a card body without a row of source_version (src/renovation/derive-renovations.ts).
CREATE FUNCTION batid.dept_data_changed(dept text) RETURNS void LANGUAGE sql AS $$
  SELECT batid.dept_version_refresh(dept, true)
$$;

CREATE FUNCTION batid.source_version_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.code_departement_insee = OLD.code_departement_insee THEN
    PERFORM batid.dept_version_refresh(NEW.code_departement_insee,
      OLD.table_name NOT LIKE 'ban.%' OR NEW.table_name NOT LIKE 'ban.%');
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    PERFORM batid.dept_version_refresh(OLD.code_departement_insee, OLD.table_name NOT LIKE 'ban.%');
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM batid.dept_version_refresh(NEW.code_departement_insee, NEW.table_name NOT LIKE 'ban.%');
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER source_version_dept_version
  AFTER INSERT OR UPDATE OR DELETE ON batid.source_version
  FOR EACH ROW EXECUTE FUNCTION batid.source_version_changed();

-- Databases imported before: the data version their card bodies were recorded with (0021: the
-- latest run that wrote a BDNB table), so that those stay current; new versions come after it.
ALTER TABLE batid.card_build RENAME COLUMN run_id TO data_version;
SELECT batid.dept_version_refresh(d, false)
  FROM (SELECT DISTINCT code_departement_insee AS d FROM batid.source_version) s;
UPDATE batid.dept_version d
   SET data_version = (SELECT max(v.run_id) FROM batid.source_version v
                        WHERE v.code_departement_insee = d.code_departement_insee AND v.table_name NOT LIKE 'ban.%');
SELECT setval('batid.data_version_seq', greatest((SELECT max(run_id) FROM batid.source_version), 1));
