-- What every building card asks of batid.source_version, kept per département so that a card
-- reads it by key: the millésime of each table (the card's `millesime` of each section) and the
-- data version its card bodies are checked against (the latest import run that wrote one of the
-- département's BDNB tables; BAN addresses are not in the card). Aggregating the ~60 rows of
-- source_version was a quarter of a card's statement on PGlite (0.61 → 0.46 ms). Kept by a
-- trigger, so that every writer of source_version keeps it right.
CREATE TABLE batid.dept_version (
  code_departement_insee text PRIMARY KEY,
  versions               jsonb NOT NULL,
  data_run_id            bigint
);

-- The département's row is locked (created if need be) before it is recomputed: the recomputing
-- statement then sees every transaction that wrote the département before this one got the lock
-- (READ COMMITTED: a fresh snapshot per statement), so concurrent writers cannot leave it stale.
CREATE FUNCTION batid.dept_version_refresh(dept text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO batid.dept_version (code_departement_insee, versions) VALUES (dept, '{}')
    ON CONFLICT (code_departement_insee) DO NOTHING;
  PERFORM 1 FROM batid.dept_version WHERE code_departement_insee = dept FOR UPDATE;
  UPDATE batid.dept_version d
     SET versions = s.versions, data_run_id = s.data_run_id
    FROM (SELECT coalesce(jsonb_object_agg(v.table_name, v.millesime), '{}') AS versions,
                 max(v.run_id) FILTER (WHERE v.table_name NOT LIKE 'ban.%') AS data_run_id
            FROM batid.source_version v WHERE v.code_departement_insee = dept) s
   WHERE d.code_departement_insee = dept;
  DELETE FROM batid.dept_version d
   WHERE d.code_departement_insee = dept
     AND NOT EXISTS (SELECT 1 FROM batid.source_version v WHERE v.code_departement_insee = dept);
END
$$;

CREATE FUNCTION batid.source_version_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM batid.dept_version_refresh(OLD.code_departement_insee);
  END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.code_departement_insee IS DISTINCT FROM OLD.code_departement_insee) THEN
    PERFORM batid.dept_version_refresh(NEW.code_departement_insee);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER source_version_dept_version
  AFTER INSERT OR UPDATE OR DELETE ON batid.source_version
  FOR EACH ROW EXECUTE FUNCTION batid.source_version_changed();

SELECT batid.dept_version_refresh(d)
  FROM (SELECT DISTINCT code_departement_insee AS d FROM batid.source_version) s;
