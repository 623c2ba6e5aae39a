-- Facts of a case the cockpit (数据驾驶舱) counts, kept on the case row so that a street's year is
-- one scan of its cases, not a walk through their timelines:
--   responded_at       the first accept or reject (受理/不予受理) — the response 响应率 counts;
--   response_deadline  the accept stage's deadline as set at report (NULL: unknown for old rows);
--   was_overdue        some stage ended, or is still open, past its deadline (超期).
-- The cases service and the overdue watch keep them in the transaction of each step; the rows that
-- exist now are filled from their timeline (case_event) below.

ALTER TABLE cases
  ADD COLUMN responded_at      timestamptz,
  ADD COLUMN response_deadline timestamptz,
  ADD COLUMN was_overdue       boolean NOT NULL DEFAULT false;

-- The first accept or reject of each case.
UPDATE cases c SET responded_at = e.first_at
FROM (SELECT case_id, min(occurred_at) AS first_at FROM case_event WHERE action IN ('accept', 'reject') GROUP BY case_id) e
WHERE e.case_id = c.id;

-- The accept deadline where it can be recomputed exactly without the working-time calendar (which
-- lives in the application): a limit counted in clock hours — an urgent case's, whose working hours
-- and days count as 1 and 24 clock hours, or a category whose accept limit is in clock hours.
-- (It uses the category's limit of today: a limit changed since the report is not known.)
UPDATE cases c SET response_deadline = c.created_at + make_interval(secs => 3600 * (
    CASE k.accept_limit->>'unit' WHEN 'working_days' THEN 24 ELSE 1 END * (k.accept_limit->>'amount')::numeric)::double precision)
FROM case_category k
WHERE k.id = c.category_id AND (c.urgency <> 'normal' OR k.accept_limit->>'unit' = 'clock_hours');

-- Cases still in their first accept stage (never escalated — that restarts the clock — and never
-- given more time): their stage deadline is the one set at report.
UPDATE cases c SET response_deadline = c.stage_deadline
WHERE c.response_deadline IS NULL AND c.stage = 'accept' AND c.stage_started_at = c.created_at AND c.stage_deadline IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM extension_request x WHERE x.case_id = c.id AND x.state = 'approved');

-- Else the deadline the overdue watch wrote when it coloured the case in its accept stage, before
-- any escalation or extension moved that deadline.
UPDATE cases c SET response_deadline = w.deadline
FROM (
  SELECT DISTINCT ON (e.case_id) e.case_id, (e.detail->>'deadline')::timestamptz AS deadline
  FROM case_event e
  WHERE e.action IN ('overdue_yellow', 'overdue_red') AND e.from_state = 'reported' AND e.detail ? 'deadline'
    AND NOT EXISTS (SELECT 1 FROM case_event b WHERE b.case_id = e.case_id AND b.occurred_at <= e.occurred_at
                    AND b.action IN ('escalate', 'auto_escalate', 'decide_extension'))
  ORDER BY e.case_id, e.occurred_at, e.id
) w
WHERE w.case_id = c.id AND c.response_deadline IS NULL;
-- The others stay NULL: the cockpit counts them as "response time unknown", never as on time or late.

-- Overdue: the watch coloured it red or escalated it for being late, its response came after the
-- accept deadline, or it is red or past its stage deadline now.
UPDATE cases c SET was_overdue = true
WHERE c.overdue_level = 'red'
   OR (c.responded_at IS NOT NULL AND c.response_deadline IS NOT NULL AND c.responded_at > c.response_deadline)
   OR (c.state IN ('reported','accepted','dispatched','in_progress','handled','verified') AND c.stage_deadline < now())
   OR EXISTS (SELECT 1 FROM case_event e WHERE e.case_id = c.id AND e.action IN ('overdue_red', 'auto_escalate'));

-- The cockpit reads a subtree's cases reported in a period. A btree on (unit_path, created_at)
-- holding every column the figures need answers that from the index alone: the subtree is a range
-- of the ltree order (a path and its descendants sort together), the period a filter inside it.
CREATE INDEX cases_cockpit_idx ON cases (unit_path, created_at)
  INCLUDE (category_id, state, source, closed_at, responded_at, response_deadline, was_overdue, rating, unit_id, overdue_level);
