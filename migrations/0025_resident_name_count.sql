-- A search by pinyin reads its matches from the name indexes alone (issue 6).
--
-- The name predicate is "initials or full pinyin start with …": as one OR, PostgreSQL builds a bitmap
-- of every match of both indexes and then reads the table for each — district-wide, to count "wx" up
-- to the cap of 1 000 (26 000 matches among a million people): 25–30 ms; in the largest street, to
-- collect its 18 000 matches before paging them: 175–275 ms, 17 000 table pages. residents.queries.ts
-- now asks for the initials' matches and then the full pinyin's other matches, two walks; with the
-- status, the id and (for the second) the initials in the indexes, both are index-only: 0.9 ms
-- district-wide, 22–41 ms in that street. Same keys as migration 0024's indexes, which they replace
-- (≈ 20 s to build on a million residents).
DROP INDEX resident_initials_place_idx;
DROP INDEX resident_pinyin_place_idx;
CREATE INDEX resident_initials_place_idx ON resident (name_initials text_pattern_ops, unit_path) INCLUDE (status, id);
CREATE INDEX resident_pinyin_place_idx ON resident (name_pinyin text_pattern_ops, unit_path) INCLUDE (status, name_initials, id);
