-- Work lists of open cases at district scale (issue 6).
--
-- Of three years of cases a few thousand are open, and every list but 全部 and 我上报的 is a list of
-- open ones (to accept, to dispatch, to verify, overdue, supervised, mine). A grid's or a community's
-- visible cases are collected arm by arm (cases.queries.ts visibleIds); for an open list each arm now
-- reads only the open cases of the caller's range, from these partial indexes, instead of every case
-- of the grid since it began and then the table row of each to see whether it is still open.
CREATE INDEX cases_open_unit_path_idx ON cases (unit_path)
  WHERE state IN ('reported','accepted','dispatched','in_progress','handled','verified');
CREATE INDEX cases_open_handling_path_idx ON cases (handling_path)
  WHERE state IN ('reported','accepted','dispatched','in_progress','handled','verified');
CREATE INDEX cases_open_reporter_idx ON cases (reporter_user_id)
  WHERE state IN ('reported','accepted','dispatched','in_progress','handled','verified');
CREATE INDEX cases_open_id_idx ON cases (id)
  WHERE state IN ('reported','accepted','dispatched','in_progress','handled','verified');

-- 我的待办: the open work orders of the caller's own units, without reading the closed ones.
CREATE INDEX work_order_open_unit_path_idx ON work_order (assignee_unit_path, case_id)
  WHERE state IN ('dispatched','claimed');
