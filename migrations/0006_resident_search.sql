-- Resident search without sequential scans at district scale:
-- full pinyin as a prefix ("zhang"), and the given name as a prefix ("秀英" finds 王秀英) next to
-- the existing name and initials prefixes.
CREATE INDEX resident_pinyin_idx ON resident (name_pinyin text_pattern_ops);
CREATE INDEX resident_given_name_idx ON resident ((substr(name, 2)) text_pattern_ops);
