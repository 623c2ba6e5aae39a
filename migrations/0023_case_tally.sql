-- The cockpit's counts kept current (数据驾驶舱, issue 6).
--
-- A street's year of the full district is 184 000 cases (its year before as many again): counting
-- them took 1.5–2 s however they were read. The counts are sums, so they are kept summed: per the
-- case's unit and Beijing month, one row per top-level category × state group with every part of
-- every rate (case_tally), and one per source with count and overdue (case_tally_source) — 44 500
-- and 13 000 rows for that street's year. Whole months of a period are read from here, its ragged
-- ends (a period from the 5th, year to date) from the cases themselves. The median close time is not
-- a sum and is still read from the closed cases (cases_closed_time_idx below).
--
-- Kept current in the writing transaction, without locks: a row trigger on cases appends each change
-- of a case's part (−old, +new) to case_tally_change / case_tally_source_change, and the overdue
-- watch's pass folds those into the tally every minute (case_tally_fold). Readers add the two. Had
-- the trigger updated the tally's rows in place, every report of a grid, month and category would
-- wait for the one before it to commit, and a single-case step and a many-row statement (the watch's
-- recolouring) that met on two such rows in opposite order would deadlock.
--
-- Keyed by unit id, not path: a unit that moves keeps its tally (the cockpit finds a subtree's units
-- by path at read time). A category's parent never changes (no API moves it), so the top-level
-- category is resolved once, at write.
--
-- A row whose cases all left it stays with n = 0 (and every other count 0): readers skip such rows.

CREATE TABLE case_tally (
  unit_id             bigint NOT NULL,
  month               date   NOT NULL,   -- first day of the case's Beijing month of created_at
  top_category_id     bigint NOT NULL,
  state_group         text   NOT NULL CHECK (state_group IN ('open', 'closed', 'rejected', 'merged')),
  n                   integer NOT NULL,
  overdue             integer NOT NULL,  -- was_overdue
  response_counted    integer NOT NULL,  -- not merged, response deadline known
  responded_on_time   integer NOT NULL,  -- … and responded by it
  response_unknown    integer NOT NULL,  -- not merged, response deadline unknown
  closed_on_time      integer NOT NULL,  -- closed and never overdue
  rated               integer NOT NULL,
  satisfied_or_basic  integer NOT NULL,
  overdue_open        integer NOT NULL,  -- open and coloured red
  close_us            bigint  NOT NULL,  -- closed: sum of (closed_at - created_at) in microseconds (exact)
  close_n             integer NOT NULL,  -- closed with a close time
  -- Every count in the key's index too: a street's two years are 90 000 rows, one heap page each
  -- (rows of a unit are written month by month among everyone else's) — 150 ms read from the heap,
  -- 18 ms from the index alone.
  PRIMARY KEY (unit_id, month, top_category_id, state_group)
    INCLUDE (n, overdue, response_counted, responded_on_time, response_unknown, closed_on_time, rated,
             satisfied_or_basic, overdue_open, close_us, close_n)
);

CREATE TABLE case_tally_source (
  unit_id   bigint  NOT NULL,
  month     date    NOT NULL,
  source    text    NOT NULL,
  n         integer NOT NULL,
  overdue   integer NOT NULL,
  PRIMARY KEY (unit_id, month, source) INCLUDE (n, overdue)
);

-- Changes not folded in yet: appended only (no key, so no writer waits for another), a minute's worth.
CREATE TABLE case_tally_change (LIKE case_tally INCLUDING CONSTRAINTS);
CREATE TABLE case_tally_source_change (LIKE case_tally_source INCLUDING CONSTRAINTS);

-- One case's part of case_tally (n = 1): the one definition of every count, used by the trigger, the
-- rebuild and the cockpit's reads of a period's ragged ends. Columns rather than the row, so that
-- those reads stay index-only (cases_cockpit_idx); a set of one row, so that the planner inlines it
-- into the query that calls it (as a plain function it cost 20 µs a case).
CREATE FUNCTION case_tally_part(
  unit_id bigint, created_at timestamptz, category_id bigint, state text, was_overdue boolean,
  response_deadline timestamptz, responded_at timestamptz, rating text, overdue_level text, closed_at timestamptz
) RETURNS SETOF case_tally LANGUAGE sql STABLE ROWS 1 AS $$
  SELECT unit_id,
         date_trunc('month', created_at AT TIME ZONE 'Asia/Shanghai')::date,
         (SELECT COALESCE(k.parent_id, k.id) FROM case_category k WHERE k.id = category_id),
         CASE WHEN state IN ('closed', 'rejected', 'merged') THEN state ELSE 'open' END,
         1,
         was_overdue::int,
         (state <> 'merged' AND response_deadline IS NOT NULL)::int,
         COALESCE(state <> 'merged' AND responded_at <= response_deadline, false)::int,
         (state <> 'merged' AND response_deadline IS NULL)::int,
         (state = 'closed' AND NOT was_overdue)::int,
         (rating IS NOT NULL)::int,
         COALESCE(rating IN ('satisfied', 'basic'), false)::int,
         (state NOT IN ('closed', 'rejected', 'merged') AND overdue_level IS NOT DISTINCT FROM 'red')::int,
         CASE WHEN state = 'closed' AND closed_at IS NOT NULL THEN (extract(epoch FROM closed_at - created_at) * 1000000)::bigint ELSE 0 END,
         (state = 'closed' AND closed_at IS NOT NULL)::int
$$;

-- Add (sign 1) or take away (sign -1) one case's part: appended as a change.
CREATE FUNCTION case_tally_add(p case_tally, case_source text, sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_tally_change VALUES (p.unit_id, p.month, p.top_category_id, p.state_group,
    sign * p.n, sign * p.overdue, sign * p.response_counted, sign * p.responded_on_time, sign * p.response_unknown,
    sign * p.closed_on_time, sign * p.rated, sign * p.satisfied_or_basic, sign * p.overdue_open, sign * p.close_us, sign * p.close_n);
  IF case_source IS NOT NULL THEN
    INSERT INTO case_tally_source_change VALUES (p.unit_id, p.month, case_source, sign, sign * p.overdue);
  END IF;
END $$;

-- Fold the changes into the tally: one folder at a time (the watch of every Linli process calls it),
-- rows in key order. A change appended meanwhile stays for the next fold. Returns the changes folded.
CREATE FUNCTION case_tally_fold() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  folded integer;
  folded_sources integer;
BEGIN
  PERFORM pg_advisory_xact_lock(7272742);
  WITH moved AS (DELETE FROM case_tally_change RETURNING *), summed AS (
    SELECT unit_id, month, top_category_id, state_group, sum(n) AS n, sum(overdue) AS overdue,
           sum(response_counted) AS response_counted, sum(responded_on_time) AS responded_on_time,
           sum(response_unknown) AS response_unknown, sum(closed_on_time) AS closed_on_time, sum(rated) AS rated,
           sum(satisfied_or_basic) AS satisfied_or_basic, sum(overdue_open) AS overdue_open,
           sum(close_us) AS close_us, sum(close_n) AS close_n, count(*) AS changes
    FROM moved GROUP BY unit_id, month, top_category_id, state_group
  ), written AS (
    INSERT INTO case_tally AS t
    SELECT unit_id, month, top_category_id, state_group, n, overdue, response_counted, responded_on_time,
           response_unknown, closed_on_time, rated, satisfied_or_basic, overdue_open, close_us, close_n
    FROM summed ORDER BY unit_id, month, top_category_id, state_group
    ON CONFLICT (unit_id, month, top_category_id, state_group) DO UPDATE SET
      n = t.n + EXCLUDED.n, overdue = t.overdue + EXCLUDED.overdue,
      response_counted = t.response_counted + EXCLUDED.response_counted,
      responded_on_time = t.responded_on_time + EXCLUDED.responded_on_time,
      response_unknown = t.response_unknown + EXCLUDED.response_unknown,
      closed_on_time = t.closed_on_time + EXCLUDED.closed_on_time,
      rated = t.rated + EXCLUDED.rated, satisfied_or_basic = t.satisfied_or_basic + EXCLUDED.satisfied_or_basic,
      overdue_open = t.overdue_open + EXCLUDED.overdue_open,
      close_us = t.close_us + EXCLUDED.close_us, close_n = t.close_n + EXCLUDED.close_n
  )
  SELECT COALESCE(sum(changes), 0) INTO folded FROM summed;
  WITH moved AS (DELETE FROM case_tally_source_change RETURNING *), summed AS (
    SELECT unit_id, month, source, sum(n) AS n, sum(overdue) AS overdue, count(*) AS changes
    FROM moved GROUP BY unit_id, month, source
  ), written AS (
    INSERT INTO case_tally_source AS t SELECT unit_id, month, source, n, overdue FROM summed ORDER BY unit_id, month, source
    ON CONFLICT (unit_id, month, source) DO UPDATE SET n = t.n + EXCLUDED.n, overdue = t.overdue + EXCLUDED.overdue
  )
  SELECT COALESCE(sum(changes), 0) INTO folded_sources FROM summed;
  RETURN folded + folded_sources;
END $$;

CREATE FUNCTION cases_tally_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was case_tally;
  now_ case_tally;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    SELECT * INTO was FROM case_tally_part(OLD.unit_id, OLD.created_at, OLD.category_id, OLD.state, OLD.was_overdue,
      OLD.response_deadline, OLD.responded_at, OLD.rating, OLD.overdue_level, OLD.closed_at);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    SELECT * INTO now_ FROM case_tally_part(NEW.unit_id, NEW.created_at, NEW.category_id, NEW.state, NEW.was_overdue,
      NEW.response_deadline, NEW.responded_at, NEW.rating, NEW.overdue_level, NEW.closed_at);
  END IF;
  IF TG_OP = 'UPDATE' THEN
    -- Many updates (a stage's deadline, the handler) change no count: nothing to append. The
    -- source counts only move with their own key or the overdue flag.
    IF was IS NOT DISTINCT FROM now_ AND OLD.source IS NOT DISTINCT FROM NEW.source THEN RETURN NULL; END IF;
    IF (was.unit_id, was.month, OLD.source, was.overdue) IS NOT DISTINCT FROM (now_.unit_id, now_.month, NEW.source, now_.overdue) THEN
      IF was IS DISTINCT FROM now_ THEN
        PERFORM case_tally_add(was, NULL, -1);
        PERFORM case_tally_add(now_, NULL, 1);
      END IF;
      RETURN NULL;
    END IF;
  END IF;
  IF TG_OP <> 'INSERT' THEN PERFORM case_tally_add(was, OLD.source, -1); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM case_tally_add(now_, NEW.source, 1); END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER cases_tally AFTER INSERT OR DELETE ON cases FOR EACH ROW EXECUTE FUNCTION cases_tally_trigger();
CREATE TRIGGER cases_tally_update AFTER UPDATE ON cases FOR EACH ROW
  WHEN ((OLD.unit_id, OLD.created_at, OLD.category_id, OLD.state, OLD.source, OLD.was_overdue, OLD.response_deadline,
         OLD.responded_at, OLD.rating, OLD.overdue_level, OLD.closed_at)
        IS DISTINCT FROM (NEW.unit_id, NEW.created_at, NEW.category_id, NEW.state, NEW.source, NEW.was_overdue,
         NEW.response_deadline, NEW.responded_at, NEW.rating, NEW.overdue_level, NEW.closed_at))
  EXECUTE FUNCTION cases_tally_trigger();

CREATE FUNCTION cases_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE case_tally, case_tally_source, case_tally_change, case_tally_source_change;
  RETURN NULL;
END $$;
CREATE TRIGGER cases_tally_truncate AFTER TRUNCATE ON cases FOR EACH STATEMENT EXECUTE FUNCTION cases_tally_truncate();

-- The tally counted afresh from the cases: what case_tally and case_tally_change add up to (less
-- empty rows) at every commit.
CREATE VIEW case_tally_counted AS
  SELECT p.unit_id, p.month, p.top_category_id, p.state_group, sum(p.n)::int AS n, sum(p.overdue)::int AS overdue,
         sum(p.response_counted)::int AS response_counted, sum(p.responded_on_time)::int AS responded_on_time,
         sum(p.response_unknown)::int AS response_unknown, sum(p.closed_on_time)::int AS closed_on_time,
         sum(p.rated)::int AS rated, sum(p.satisfied_or_basic)::int AS satisfied_or_basic,
         sum(p.overdue_open)::int AS overdue_open, sum(p.close_us)::bigint AS close_us, sum(p.close_n)::int AS close_n
  FROM cases c
  CROSS JOIN LATERAL case_tally_part(c.unit_id, c.created_at, c.category_id, c.state, c.was_overdue,
    c.response_deadline, c.responded_at, c.rating, c.overdue_level, c.closed_at) p
  GROUP BY p.unit_id, p.month, p.top_category_id, p.state_group;

CREATE VIEW case_tally_source_counted AS
  SELECT c.unit_id, date_trunc('month', c.created_at AT TIME ZONE 'Asia/Shanghai')::date AS month, c.source,
         count(*)::int AS n, (count(*) FILTER (WHERE c.was_overdue))::int AS overdue
  FROM cases c GROUP BY 1, 2, 3;

-- The tally as it stands: its rows and the changes not folded in yet, added up.
CREATE VIEW case_tally_current AS
  SELECT unit_id, month, top_category_id, state_group, sum(n)::int AS n, sum(overdue)::int AS overdue,
         sum(response_counted)::int AS response_counted, sum(responded_on_time)::int AS responded_on_time,
         sum(response_unknown)::int AS response_unknown, sum(closed_on_time)::int AS closed_on_time,
         sum(rated)::int AS rated, sum(satisfied_or_basic)::int AS satisfied_or_basic,
         sum(overdue_open)::int AS overdue_open, sum(close_us)::bigint AS close_us, sum(close_n)::int AS close_n
  FROM (SELECT * FROM case_tally UNION ALL SELECT * FROM case_tally_change) t
  GROUP BY unit_id, month, top_category_id, state_group;

CREATE VIEW case_tally_source_current AS
  SELECT unit_id, month, source, sum(n)::int AS n, sum(overdue)::int AS overdue
  FROM (SELECT * FROM case_tally_source UNION ALL SELECT * FROM case_tally_source_change) t
  GROUP BY unit_id, month, source;

-- Count the tally afresh (after a bulk load that ran with the trigger off, as the benchmark's
-- generator does, or to repair it).
CREATE FUNCTION case_tally_rebuild() RETURNS void LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(7272742);
  DELETE FROM case_tally_change;
  DELETE FROM case_tally_source_change;
  DELETE FROM case_tally;
  DELETE FROM case_tally_source;
  INSERT INTO case_tally SELECT * FROM case_tally_counted;
  INSERT INTO case_tally_source SELECT * FROM case_tally_source_counted;
$$;

SELECT case_tally_rebuild();

-- The median close time of a subtree's period: the closed cases' two times, by unit (a subtree is a
-- few hundred units at most; walking them by id is 5× cheaper than comparing ltree paths per entry).
CREATE INDEX cases_closed_time_idx ON cases (unit_id, created_at) INCLUDE (closed_at) WHERE state = 'closed';
