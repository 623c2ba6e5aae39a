-- Resident search and case work lists at district scale (issue 6).
--
-- The scope predicate (core/access/scope.ts inSubtree) is a range on the ltree path,
-- path >= scope AND path < scope||'0', which a btree serves as well as the existing GiST indexes.
-- Finer statistics on the paths: with the default 100 histogram buckets, a grid (1/1 000 of a
-- district) looked as big as a street to the planner.
ALTER TABLE resident ALTER COLUMN unit_path SET STATISTICS 1000;
ALTER TABLE cases ALTER COLUMN unit_path SET STATISTICS 1000;
ALTER TABLE cases ALTER COLUMN handling_path SET STATISTICS 1000;

-- Searching below the district walks the scope's own range: with the name keys and the status in
-- the index, the name filters are checked without reading the table.
CREATE INDEX resident_scope_idx ON resident (unit_path, id) INCLUDE (status, name_initials, name_pinyin, name);

-- A case is visible to a grid worker or a community through any of its work orders in their
-- scope too: that arm of the visibility, read from the index alone.
CREATE INDEX work_order_unit_path_idx ON work_order (assignee_unit_path, case_id) WHERE assignee_unit_path IS NOT NULL;
