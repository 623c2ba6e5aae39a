-- Dispatch suggestion and likely duplicates (src/server/modules/cases/suggestions.*, duplicates.*).

-- The stamp of a community's closed cases (count and last closing time), read before every
-- suggestion to know whether the cached model is still current: the closed cases of a subtree.
CREATE INDEX cases_closed_path_gist ON cases USING gist (unit_path) WHERE state = 'closed';

-- Likely duplicates: open cases of one category inside a small box around a point.
CREATE INDEX cases_open_place_idx ON cases (category_id, lat, lng)
  WHERE state IN ('reported','accepted','dispatched','in_progress','handled','verified');
