-- Grid worker field work (走访、巡查、民情日记): visit rules, visits, patrols, field diary entries.
-- Every scoped row carries unit_id / unit_path / region_code (the household's unit for a visit, the
-- worker's unit for a patrol or a diary entry) so that a hierarchy move carries it along.
-- A phone records offline and sends later: every record keeps the time it happened on the phone
-- (occurred_at / started_at / ended_at) and the idempotency key it was sent with, unique per account,
-- with the hash of its body (the same key with another body is refused). Runs on PostgreSQL 15–18.

-- Visit rules (走访频次): a rule applies in its unit's subtree.
--   tag            — households carrying the care tag (their own tag, or one of their active residents')
--                    are visited at least every interval_days;
--   all_households — every household at least every interval_days;
--   daily_quota    — a grid worker visits at least per_day households a day.
CREATE TABLE visit_rule (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id       bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path     ltree  NOT NULL,
  region_code   text   NOT NULL,
  name          text   NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
  kind          text   NOT NULL CHECK (kind IN ('tag','all_households','daily_quota')),
  tag_code      text   REFERENCES care_tag(code) ON UPDATE CASCADE ON DELETE RESTRICT,
  interval_days integer CHECK (interval_days BETWEEN 1 AND 366),
  per_day       integer CHECK (per_day BETWEEN 1 AND 200),
  active        boolean NOT NULL DEFAULT true,
  created_by    bigint REFERENCES app_user(id) ON DELETE RESTRICT,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  version       integer NOT NULL DEFAULT 1,
  CONSTRAINT visit_rule_shape CHECK (
    (kind = 'tag' AND tag_code IS NOT NULL AND interval_days IS NOT NULL AND per_day IS NULL)
    OR (kind = 'all_households' AND tag_code IS NULL AND interval_days IS NOT NULL AND per_day IS NULL)
    OR (kind = 'daily_quota' AND tag_code IS NULL AND interval_days IS NULL AND per_day IS NOT NULL))
);
CREATE INDEX visit_rule_unit_path_gist ON visit_rule USING gist (unit_path);
CREATE INDEX visit_rule_unit_idx ON visit_rule (unit_id);

-- A household visit (入户走访).
CREATE TABLE visit (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id         bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path       ltree  NOT NULL,
  region_code     text   NOT NULL,
  household_id    bigint NOT NULL REFERENCES household(id) ON DELETE RESTRICT,
  visitor_id      bigint NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
  kind            text   NOT NULL CHECK (kind IN ('routine','care','case_follow_up','information')),
  occurred_at     timestamptz NOT NULL,
  met_resident_ids bigint[] NOT NULL DEFAULT '{}',
  met_others      text CHECK (length(met_others) <= 200),
  nobody_home     boolean NOT NULL DEFAULT false,
  findings        text CHECK (length(findings) <= 2000),
  case_id         bigint REFERENCES cases(id) ON DELETE RESTRICT,
  follow_up       text NOT NULL DEFAULT 'none' CHECK (follow_up IN ('none','case','proxy_service')),
  lng             double precision CHECK (lng BETWEEN -180 AND 180),
  lat             double precision CHECK (lat BETWEEN -90 AND 90),
  changes         jsonb NOT NULL DEFAULT '{}',
  idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  request_hash    text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT visit_idempotency_unique UNIQUE (visitor_id, idempotency_key)
);
CREATE INDEX visit_unit_path_gist ON visit USING gist (unit_path);
CREATE INDEX visit_unit_idx ON visit (unit_id);
CREATE INDEX visit_household_idx ON visit (household_id, occurred_at DESC);
CREATE INDEX visit_visitor_idx ON visit (visitor_id, occurred_at);

-- A patrol (巡查): sent whole at its end. The route is a JSON array of [lng, lat, epoch ms] points.
CREATE TABLE patrol (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id         bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path       ltree  NOT NULL,
  region_code     text   NOT NULL,
  worker_id       bigint NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
  started_at      timestamptz NOT NULL,
  ended_at        timestamptz NOT NULL,
  route           jsonb NOT NULL DEFAULT '[]',
  point_count     integer NOT NULL DEFAULT 0,
  distance_m      integer NOT NULL DEFAULT 0 CHECK (distance_m >= 0),
  notes           text CHECK (length(notes) <= 2000),
  idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  request_hash    text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT patrol_times CHECK (ended_at >= started_at),
  CONSTRAINT patrol_idempotency_unique UNIQUE (worker_id, idempotency_key)
);
CREATE INDEX patrol_unit_path_gist ON patrol USING gist (unit_path);
CREATE INDEX patrol_unit_idx ON patrol (unit_id);
CREATE INDEX patrol_worker_idx ON patrol (worker_id, started_at);

-- Field diary (民情日记): free notes tied to a place and/or people.
CREATE TABLE diary_entry (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id         bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path       ltree  NOT NULL,
  region_code     text   NOT NULL,
  author_id       bigint NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
  occurred_at     timestamptz NOT NULL,
  body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
  household_id    bigint REFERENCES household(id) ON DELETE RESTRICT,
  building_id     bigint REFERENCES building(id) ON DELETE RESTRICT,
  resident_ids    bigint[] NOT NULL DEFAULT '{}',
  lng             double precision CHECK (lng BETWEEN -180 AND 180),
  lat             double precision CHECK (lat BETWEEN -90 AND 90),
  idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  request_hash    text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT diary_idempotency_unique UNIQUE (author_id, idempotency_key)
);
CREATE INDEX diary_entry_unit_path_gist ON diary_entry USING gist (unit_path);
CREATE INDEX diary_entry_unit_idx ON diary_entry (unit_id);
CREATE INDEX diary_entry_author_idx ON diary_entry (author_id, occurred_at DESC);
