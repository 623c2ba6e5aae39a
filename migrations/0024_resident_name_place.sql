-- A street's or community's search by pinyin (initials or full) among a district (issue 6).
--
-- Below the district a name search collects the subtree's matches before paging them. Two letters of
-- initials match 1–2 % of a million names, and the subtree a tenth of them: the planner took the
-- name index and the subtree's GiST range as two bitmaps and ANDed them, and building the street's
-- bitmap (180 000 people) cost 40 ms warm, 400 ms cold. With the place after the name in one index,
-- the subtree's range is checked on the name's index entries themselves: the street's search went
-- from 50 to 6 ms (the full district, "wx" in its largest street). They replace the name-only
-- indexes, which served nothing these do not.
CREATE INDEX resident_initials_place_idx ON resident (name_initials text_pattern_ops, unit_path);
CREATE INDEX resident_pinyin_place_idx ON resident (name_pinyin text_pattern_ops, unit_path);
DROP INDEX resident_initials_idx;
DROP INDEX resident_pinyin_idx;
