-- The cockpit's figures (数据驾驶舱) for a subtree and a period, written by hand in one query: the
-- baseline Linli's GET /api/cockpit/summary is measured against (bench 3), and the query an
-- integration test checks the endpoint's numbers with (src/server/modules/cockpit/cockpit.int.test.ts).
--   $1 the unit's path (ltree text), $2 the period's start (timestamptz), $3 its end (timestamptz, exclusive)
-- Periods: cur = [$2, $3); yoy = a year earlier; mom = the period before, as many calendar months when
-- [$2, $3) is whole Beijing months, else as many days. A case counts in a period when it was reported in it.
-- One row per figure group: kind 'total' (one per period, with the rates' parts), 'category' (top-level
-- category × state group), 'source', 'month' (Beijing month) and 'unit' (the case's grid: count, overdue).
-- The subtree is a range of the ltree order ([$1, $1.zzzzzzzz) — labels are unit ids) so that the btree
-- cases_cockpit_idx answers it from the index alone; `<@` keeps the predicate exact.
WITH b AS (
  SELECT ($2::timestamptz AT TIME ZONE 'Asia/Shanghai') AS f, ($3::timestamptz AT TIME ZONE 'Asia/Shanghai') AS t
), m AS (
  SELECT f, t, date_trunc('month', f) = f AND date_trunc('month', t) = t AS whole,
         ((extract(year FROM t) - extract(year FROM f)) * 12 + extract(month FROM t) - extract(month FROM f))::int AS months
  FROM b
), per AS (
  SELECT 'cur' AS period, $2::timestamptz AS p_from, $3::timestamptz AS p_to
  UNION ALL
  SELECT 'yoy', (f - interval '12 months') AT TIME ZONE 'Asia/Shanghai', (t - interval '12 months') AT TIME ZONE 'Asia/Shanghai' FROM m
  UNION ALL
  SELECT 'mom', (CASE WHEN whole THEN f - make_interval(months => months) ELSE f - (t - f) END) AT TIME ZONE 'Asia/Shanghai', $2::timestamptz FROM m
), r AS MATERIALIZED (
  SELECT p.period, c.source, c.unit_id, c.was_overdue,
         CASE WHEN c.state IN ('closed', 'rejected', 'merged') THEN c.state ELSE 'open' END AS state_group,
         COALESCE(k.parent_id, k.id) AS top_id,
         date_trunc('month', c.created_at AT TIME ZONE 'Asia/Shanghai') AS month,
         c.state <> 'merged' AND c.response_deadline IS NOT NULL AS response_known,
         c.state <> 'merged' AND c.responded_at <= c.response_deadline AS responded_on_time,
         c.rating IS NOT NULL AS rated,
         c.rating IN ('satisfied', 'basic') AS satisfied_or_basic,
         c.overdue_level = 'red' AS red,
         extract(epoch FROM c.closed_at - c.created_at) / 3600 AS hours
  FROM cases c
  CROSS JOIN LATERAL unnest(ARRAY[
    CASE WHEN c.created_at >= $2::timestamptz AND c.created_at < $3::timestamptz THEN 'cur' END,
    CASE WHEN c.created_at >= (SELECT p_from FROM per WHERE period = 'yoy') AND c.created_at < (SELECT p_to FROM per WHERE period = 'yoy') THEN 'yoy' END,
    CASE WHEN c.created_at >= (SELECT p_from FROM per WHERE period = 'mom') AND c.created_at < $2::timestamptz THEN 'mom' END]) AS p(period)
  JOIN case_category k ON k.id = c.category_id
  WHERE c.unit_path <@ $1::ltree AND c.unit_path >= $1::ltree AND c.unit_path < ($1::text || '.zzzzzzzz')::ltree
    -- The three periods' envelope, written on the parameters so that it bounds the index scan.
    AND c.created_at >= LEAST((($2::timestamptz AT TIME ZONE 'Asia/Shanghai') - interval '12 months') AT TIME ZONE 'Asia/Shanghai',
                              (SELECT p_from FROM per WHERE period = 'mom'))
    AND c.created_at < $3::timestamptz AND p.period IS NOT NULL
)
SELECT 'total' AS kind, p.period, NULL::text AS k1, NULL::text AS k2, t.*
FROM (VALUES ('cur'), ('yoy'), ('mom')) AS p(period)
CROSS JOIN LATERAL (SELECT count(*) AS n,
       count(*) FILTER (WHERE was_overdue) AS overdue,
       count(*) FILTER (WHERE state_group = 'open') AS open,
       count(*) FILTER (WHERE state_group = 'closed') AS closed,
       count(*) FILTER (WHERE state_group = 'rejected') AS rejected,
       count(*) FILTER (WHERE state_group = 'merged') AS merged,
       count(*) FILTER (WHERE response_known) AS response_counted,
       count(*) FILTER (WHERE response_known AND responded_on_time) AS responded_on_time,
       count(*) FILTER (WHERE state_group <> 'merged' AND NOT response_known) AS response_unknown,
       count(*) FILTER (WHERE state_group = 'closed' AND NOT was_overdue) AS closed_on_time,
       count(*) FILTER (WHERE rated) AS rated,
       count(*) FILTER (WHERE satisfied_or_basic) AS satisfied_or_basic,
       count(*) FILTER (WHERE state_group = 'open' AND red) AS overdue_open,
       avg(hours) FILTER (WHERE state_group = 'closed') AS mean_close_h,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE state_group = 'closed') AS median_close_h
  FROM r WHERE r.period = p.period) t
UNION ALL
SELECT 'category', period, top_id::text, state_group, count(*), count(*) FILTER (WHERE was_overdue),
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM r WHERE period = 'cur' GROUP BY period, top_id, state_group
UNION ALL
SELECT 'source', period, source, NULL, count(*), count(*) FILTER (WHERE was_overdue),
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM r WHERE period = 'cur' GROUP BY period, source
UNION ALL
SELECT 'month', period, to_char(month, 'YYYY-MM'), NULL, count(*), count(*) FILTER (WHERE was_overdue),
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM r WHERE period IN ('cur', 'yoy') GROUP BY period, month
UNION ALL
SELECT 'unit', period, unit_id::text, NULL, count(*), count(*) FILTER (WHERE was_overdue),
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM r WHERE period = 'cur' GROUP BY period, unit_id
