-- Statistics on the BAN addresses imported before this version: `batid import-ban` never
-- analysed them (PGlite has no autovacuum; a server's never analyses a partitioned parent). It
-- does since (src/ingest/ban/import-ban.ts); this analyses the table and its partitions once.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM ban.adresse) THEN
    ANALYZE ban.adresse;
  END IF;
END
$$;
