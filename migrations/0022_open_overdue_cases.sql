-- A street's overdue list at district scale (issue 6).
--
-- 超期 is "open, and past its stage deadline or already coloured yellow/red by the overdue watch". A
-- street's (or wider) visibility is an OR of its ranges and a work-order probe, which no single index
-- answers, so the list walked every open case of the district (10 000 on the generated one) and
-- filtered: 30–40 ms each. The deadline half has cases_open_deadline_idx (0007); with the coloured
-- half here the planner takes both as a bitmap OR, and filters the few hundred overdue cases instead
-- (measured on the full district: 37 ms → 3 ms).
CREATE INDEX cases_open_flagged_idx ON cases (stage_deadline)
  WHERE state IN ('reported','accepted','dispatched','in_progress','handled','verified') AND overdue_level <> 'green';
