-- The partitioned BDNB tables' own statistics on the columns of their btree indexes (key,
-- département, ids, commune), which autovacuum never gathers for a partitioned parent and which
-- the planner reads to estimate a join of two tables. Imports gather them since this version
-- (src/ingest/load-table-file.ts); this gathers them once for the tables imported before.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT p.oid::regclass AS parent,
           (SELECT string_agg(DISTINCT quote_ident(a.attname), ', ')
              FROM pg_index i
              JOIN pg_class ic ON ic.oid = i.indexrelid
              JOIN pg_am am ON am.oid = ic.relam AND am.amname = 'btree'
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
             WHERE i.indrelid = p.oid) AS cols
      FROM pg_class p
      JOIN pg_namespace n ON n.oid = p.relnamespace
     WHERE n.nspname = 'bdnb' AND p.relkind = 'p'
       AND EXISTS (SELECT 1 FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
                    WHERE h.inhparent = p.oid AND c.reltuples > 0)
     ORDER BY 1
  LOOP
    IF t.cols IS NOT NULL THEN
      EXECUTE format('ANALYZE %s (%s)', t.parent, t.cols);
    END IF;
  END LOOP;
END
$$;
