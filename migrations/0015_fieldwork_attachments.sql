-- Photos on patrols and field diary entries, and the patrol a case was found on.
--
-- An attachment belongs to exactly one owner once attached — a case (and its timeline step), a
-- patrol, or a diary entry — and to none while unattached (visible to its uploader only, swept after
-- a day). Attached rows carry their owner's unit_id / unit_path / region_code, as before.
--
-- A case found on a patrol records it (cases.patrol_id). The phone sends a patrol only at its end,
-- so a case reported while the patrol runs carries the patrol's own Idempotency-Key (cases.patrol_key)
-- and the patrol, when it arrives, claims the caller's cases reported under its key.
-- Runs on PostgreSQL 15 through 18; existing rows stay valid (they are all unattached or of a case).

ALTER TABLE attachment
  ADD COLUMN patrol_id      bigint REFERENCES patrol(id) ON DELETE RESTRICT,
  ADD COLUMN diary_entry_id bigint REFERENCES diary_entry(id) ON DELETE RESTRICT;

ALTER TABLE attachment DROP CONSTRAINT attachment_attached_whole;
ALTER TABLE attachment ADD CONSTRAINT attachment_attached_whole CHECK (
  -- unattached: no owner, no place
  (case_id IS NULL AND event_id IS NULL AND patrol_id IS NULL AND diary_entry_id IS NULL
    AND unit_id IS NULL AND unit_path IS NULL AND region_code IS NULL AND attached_at IS NULL)
  -- attached: exactly one owner (a case with its step, a patrol, or a diary entry), and its place
  OR (unit_id IS NOT NULL AND unit_path IS NOT NULL AND region_code IS NOT NULL AND attached_at IS NOT NULL AND (
        (case_id IS NOT NULL AND event_id IS NOT NULL AND patrol_id IS NULL AND diary_entry_id IS NULL)
     OR (case_id IS NULL AND event_id IS NULL AND patrol_id IS NOT NULL AND diary_entry_id IS NULL)
     OR (case_id IS NULL AND event_id IS NULL AND patrol_id IS NULL AND diary_entry_id IS NOT NULL))));

CREATE INDEX attachment_patrol_idx ON attachment (patrol_id, id) WHERE patrol_id IS NOT NULL;
CREATE INDEX attachment_diary_entry_idx ON attachment (diary_entry_id, id) WHERE diary_entry_id IS NOT NULL;
-- The sweep of uploads never attached (to anything).
DROP INDEX attachment_unattached_idx;
CREATE INDEX attachment_unattached_idx ON attachment (created_at)
  WHERE case_id IS NULL AND patrol_id IS NULL AND diary_entry_id IS NULL;

-- The patrol a case was found on; and, until that patrol reaches the server, its Idempotency-Key.
ALTER TABLE cases
  ADD COLUMN patrol_id  bigint REFERENCES patrol(id) ON DELETE RESTRICT,
  ADD COLUMN patrol_key text CHECK (length(patrol_key) BETWEEN 1 AND 200);
CREATE INDEX cases_patrol_idx ON cases (patrol_id) WHERE patrol_id IS NOT NULL;
CREATE INDEX cases_patrol_key_idx ON cases (reporter_user_id, patrol_key) WHERE patrol_key IS NOT NULL AND patrol_id IS NULL;

-- Cases stored before this migration: a patrol's cases were those its worker reported with source
-- 'patrol' between its start and end. Carried over once (the earliest such patrol, should two overlap).
UPDATE cases c SET patrol_id = m.patrol_id
FROM (
  SELECT DISTINCT ON (c2.id) c2.id AS case_id, p.id AS patrol_id
  FROM cases c2 JOIN patrol p ON p.worker_id = c2.reporter_user_id
    AND c2.created_at >= p.started_at AND c2.created_at <= p.ended_at
  WHERE c2.source = 'patrol' AND c2.patrol_id IS NULL
  ORDER BY c2.id, p.started_at, p.id
) m
WHERE c.id = m.case_id;
