-- Care-tag search below the district (issue 6).
--
-- A street's search for a care tag read the street's whole range of resident_scope_idx (300 000
-- people in the largest street of a million) and probed resident_tag for each of them. With the
-- resident's place on its tags, the candidates are the tag's holders inside the subtree, found in the
-- tag's own index entries without reading the table; each is then checked on its resident, in id
-- order, until the page is full (registry/residents.queries.ts searchResidents):
--   resident_tag_place_idx (tag_id, unit_path, resident_id): a tag's holders inside a subtree are one
--     range (a subtree is a range of the ltree order, core/access/scope.ts inSubtree: path >= S AND
--     path < S||'0'). A grid or a community reads its range and sorts it by id; the count (which
--     stops at 1 001) reads the first of it.
--   resident_tag_tag_idx, now (tag_id, resident_id) INCLUDE (unit_path): a tag's holders in id order,
--     with their place: where a subtree holds much of a tag (a large street), walking the tag in id
--     order and skipping the holders elsewhere inside the index finds the page without a sort.
-- The planner picks between them from the subtree's share of the tag (the path's statistics); either
-- way the work is bounded by the tag's holders, not by the people of the subtree.
ALTER TABLE resident_tag ADD COLUMN unit_path ltree;
UPDATE resident_tag rt SET unit_path = r.unit_path FROM resident r WHERE r.id = rt.resident_id;
ALTER TABLE resident_tag ALTER COLUMN unit_path SET NOT NULL;
-- As on resident (0017): a grid is 1/1 000 of a district, and must not look like a street.
ALTER TABLE resident_tag ALTER COLUMN unit_path SET STATISTICS 1000;
CREATE INDEX resident_tag_place_idx ON resident_tag (tag_id, unit_path, resident_id);
DROP INDEX resident_tag_tag_idx;
CREATE INDEX resident_tag_tag_idx ON resident_tag (tag_id, resident_id) INCLUDE (unit_path);

-- The place is a copy of the resident's, kept by the database rather than by each writer: a tag is
-- added by hand, by the import, by the demo seed and by tests and benchmarks, and a resident's path
-- changes when they move house, when the import moves them, and when the hierarchy moves a subtree
-- — every one of them, present and future, is covered here (only a writer that gives the path
-- itself, as the generator does, answers for it).
--
-- A new tag takes its resident's path. A bulk loader that knows the path (the benchmark generator,
-- whose COPY of the tags runs beside the still uncommitted COPY of the residents) gives it; otherwise
-- it is read here, FOR SHARE: a move of the resident that is not committed yet is waited for (the
-- path read is then the new one), and a move that comes later waits for this tag, then rewrites it.
-- A tag whose resident or path is changed is given the resident's path again: it cannot be set apart.
CREATE FUNCTION resident_tag_take_place() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW.unit_path IS NOT NULL THEN
    RETURN NEW;
  END IF;
  SELECT r.unit_path INTO NEW.unit_path FROM resident r WHERE r.id = NEW.resident_id FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'insert or update on table "resident_tag" violates foreign key constraint "resident_tag_resident_id_fkey"'
      USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (resident_id)=(%s) is not present in table "resident".', NEW.resident_id);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER resident_tag_place BEFORE INSERT OR UPDATE OF resident_id, unit_path ON resident_tag
  FOR EACH ROW EXECUTE FUNCTION resident_tag_take_place();

-- A resident who moves takes their tags along (in the same statement, hence the same transaction).
CREATE FUNCTION resident_move_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE resident_tag SET unit_path = NEW.unit_path WHERE resident_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER resident_tags_follow AFTER UPDATE OF unit_path ON resident
  FOR EACH ROW WHEN (OLD.unit_path IS DISTINCT FROM NEW.unit_path) EXECUTE FUNCTION resident_move_tags();
