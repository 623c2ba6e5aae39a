-- 12345 hotline orders (市民热线工单): a street or community receives exports of a hotline system as
-- xlsx or CSV; each order becomes one case (source 'hotline'), its order number and deadline kept.
-- Runs on PostgreSQL 15 through 18.

-- A hotline system a unit receives orders from, with how its export is read: which column holds
-- which field, its categories and urgencies in Linli's codes. Saved so the next file maps itself.
-- mapping = {"columns": {"orderNo": "工单编号", ...}, "categories": {"噪音扰民": "street_order.noise", ...},
--            "defaultCategory": "livelihood", "urgencies": {"特急": "critical", ...}}
CREATE TABLE hotline_source (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text   NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- The receiving unit (a district, street or community): it dispatches what it cannot place lower.
  unit_id     bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path   ltree  NOT NULL,
  region_code text   NOT NULL,
  mapping     jsonb  NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(mapping) = 'object'),
  version     integer NOT NULL DEFAULT 1,
  created_by  bigint NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT hotline_source_name_unique UNIQUE (unit_id, name)
);
CREATE INDEX hotline_source_unit_path_gist ON hotline_source USING gist (unit_path);

-- One uploaded export: read once at upload (headers, values seen per column), mapped by the user,
-- checked in the background into a row-by-row report, then committed in one transaction.
CREATE TABLE hotline_import_job (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_id       bigint NOT NULL REFERENCES hotline_source(id) ON DELETE CASCADE,
  unit_id         bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path       ltree  NOT NULL,
  region_code     text   NOT NULL,
  status          text   NOT NULL DEFAULT 'mapping'
                  CHECK (status IN ('mapping','validating','ready','failed','committing','committed')),
  file_name       text   NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
  file_format     text   NOT NULL CHECK (file_format IN ('xlsx','csv')),
  file_sha256     text   NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  file_size       bigint NOT NULL CHECK (file_size > 0),
  -- The upload under <dataDir>/hotline while it may still be (re)checked; null once removed.
  stored_file     text,
  -- What the upload holds: the header row, a few values seen in each column, the first rows.
  header_row      integer,
  headers         jsonb  NOT NULL DEFAULT '[]'::jsonb,
  column_values   jsonb  NOT NULL DEFAULT '{}'::jsonb,
  sample_rows     jsonb  NOT NULL DEFAULT '[]'::jsonb,
  -- The mapping the rows were checked with.
  mapping         jsonb,
  total_rows      integer,
  processed_rows  integer NOT NULL DEFAULT 0,
  new_rows        integer NOT NULL DEFAULT 0,
  warning_rows    integer NOT NULL DEFAULT 0,
  duplicate_rows  integer NOT NULL DEFAULT 0,
  error_rows      integer NOT NULL DEFAULT 0,
  created_rows    integer NOT NULL DEFAULT 0,
  deadlines_updated integer NOT NULL DEFAULT 0,
  message_key     text,
  message_params  jsonb,
  created_by      bigint NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
  created_at      timestamptz NOT NULL DEFAULT now(),
  validated_at    timestamptz,
  committed_by    bigint REFERENCES app_user(id) ON DELETE RESTRICT,
  committed_at    timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hotline_import_job_unit_path_gist ON hotline_import_job USING gist (unit_path);
CREATE INDEX hotline_import_job_source_idx ON hotline_import_job (source_id, created_at DESC, id DESC);
CREATE INDEX hotline_import_job_open_idx ON hotline_import_job (status) WHERE status IN ('validating','committing');

-- One checked row: new (a case to create), warning (created, with remarks), duplicate (the order is
-- already a case, or repeats an earlier row), error (not created). `data` holds the normalised
-- values (the caller's phone only as ciphertext); `placement` where the case goes; `case_id` the
-- case created (or found) for it.
CREATE TABLE hotline_import_row (
  job_id       bigint  NOT NULL REFERENCES hotline_import_job(id) ON DELETE CASCADE,
  row_number   integer NOT NULL CHECK (row_number > 0),
  order_no     text,
  status       text    NOT NULL CHECK (status IN ('new','warning','duplicate','error')),
  messages     jsonb   NOT NULL DEFAULT '[]'::jsonb,
  data         jsonb,
  placement    jsonb,
  existing_case_id bigint,
  case_id      bigint REFERENCES cases(id) ON DELETE SET NULL,
  PRIMARY KEY (job_id, row_number)
);
CREATE INDEX hotline_import_row_status_idx ON hotline_import_row (job_id, status, row_number);

-- One 12345 order is one case. Before this, staff could enter one order number on two cases: the
-- earliest keeps it, the later ones get their id appended (kept in the timeline) so nothing is lost.
INSERT INTO case_event (case_id, occurred_at, action, from_state, to_state, note, detail)
SELECT c.id, now(), 'hotline_order_renumbered', c.state, c.state, NULL,
       jsonb_build_object('was', c.hotline_order_no, 'now', left(c.hotline_order_no, 40) || '-dup' || c.id)
FROM cases c
WHERE c.hotline_order_no IS NOT NULL
  AND EXISTS (SELECT 1 FROM cases o WHERE o.hotline_order_no = c.hotline_order_no AND o.id < c.id);
UPDATE cases c SET hotline_order_no = left(c.hotline_order_no, 40) || '-dup' || c.id
WHERE c.hotline_order_no IS NOT NULL
  AND EXISTS (SELECT 1 FROM cases o WHERE o.hotline_order_no = c.hotline_order_no AND o.id < c.id);
CREATE UNIQUE INDEX cases_hotline_order_unique ON cases (hotline_order_no) WHERE hotline_order_no IS NOT NULL;
DROP INDEX cases_hotline_idx;
ALTER TABLE cases ADD COLUMN hotline_source_id bigint REFERENCES hotline_source(id) ON DELETE SET NULL;
ALTER TABLE cases ADD COLUMN hotline_received_at timestamptz;
