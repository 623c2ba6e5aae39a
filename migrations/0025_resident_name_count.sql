-- A district-wide search by pinyin counts its matches up to the cap (1 000, "1 000+") — issue 6.
--
-- The name predicate is "initials or full pinyin start with …": as one OR, PostgreSQL builds a bitmap
-- of every match of both indexes (26 000 entries for "wx" among a million people) and then reads the
-- table for the status, 25–30 ms for a count that stops at 1 001. residents.queries.ts now counts the
-- initials' matches and the full pinyin's other matches as two walks that stop together at the cap;
-- with the status (and, for the second, the initials) in the indexes they are index-only: 0.9 ms.
-- Same keys as migration 0024's indexes, which they replace.
DROP INDEX resident_initials_place_idx;
DROP INDEX resident_pinyin_place_idx;
CREATE INDEX resident_initials_place_idx ON resident (name_initials text_pattern_ops, unit_path) INCLUDE (status);
CREATE INDEX resident_pinyin_place_idx ON resident (name_pinyin text_pattern_ops, unit_path) INCLUDE (status, name_initials);
