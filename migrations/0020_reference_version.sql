-- A version of the reference data every process may hold in memory (issue 6: case intake).
--
-- The hierarchy's units (outlines, paths) and the case categories change a few times a year, yet every
-- report read them: the category, the units whose box holds the point, the handling unit and the
-- district above it — four round trips of twenty. Processes now keep them in memory, stamped with this
-- version; a write to either table bumps it in the writer's own transaction (so the new version becomes
-- visible exactly when the new rows do), and every signed-in request reads it with its caller in the
-- one query it already runs (core/auth/load-actor.ts), so a copy older than the request is never used.
CREATE TABLE reference_version (
  id      boolean PRIMARY KEY DEFAULT true CHECK (id),
  version bigint NOT NULL
);
INSERT INTO reference_version (id, version) VALUES (true, 1);

CREATE FUNCTION bump_reference_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE reference_version SET version = version + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER unit_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON unit
  FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_version();
CREATE TRIGGER case_category_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON case_category
  FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_version();
