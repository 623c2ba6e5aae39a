-- Registry workbook imports: an uploaded xlsx becomes an import job; its rows are checked into a
-- staging area with a row-by-row report, then the good rows are committed in one transaction.
-- Staged personal data is encrypted like the registry's own (ID numbers and phones never in clear).

CREATE TABLE import_job (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Where the rows go (a community, grid or micro-grid): buildings are looked up in its subtree.
  unit_id          bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path        ltree  NOT NULL,
  region_code      text   NOT NULL,
  kind             text   NOT NULL DEFAULT 'residents' CHECK (kind IN ('residents')),
  status           text   NOT NULL DEFAULT 'validating'
                   CHECK (status IN ('validating','ready','failed','committing','committed')),
  file_name        text   NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
  file_sha256      text   NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  file_size        bigint NOT NULL CHECK (file_size > 0),
  -- The upload under <dataDir>/imports while it is being read; null once it is removed.
  stored_file      text,
  -- Data rows of the sheet: estimated from the file while validating, exact once validated.
  total_rows       integer,
  -- Rows checked so far (validating), or written so far (committing).
  processed_rows   integer NOT NULL DEFAULT 0,
  valid_rows       integer NOT NULL DEFAULT 0,
  error_rows       integer NOT NULL DEFAULT 0,
  new_rows         integer NOT NULL DEFAULT 0,
  updated_rows     integer NOT NULL DEFAULT 0,
  unchanged_rows   integer NOT NULL DEFAULT 0,
  households_created integer NOT NULL DEFAULT 0,
  -- Why the job failed: a catalogue key and its parameters.
  message_key      text,
  message_params   jsonb,
  created_by       bigint NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
  created_at       timestamptz NOT NULL DEFAULT now(),
  validated_at     timestamptz,
  committed_by     bigint REFERENCES app_user(id) ON DELETE RESTRICT,
  committed_at     timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_job_unit_path_gist ON import_job USING gist (unit_path);
CREATE INDEX import_job_created_idx ON import_job (created_at DESC, id DESC);
CREATE INDEX import_job_open_idx ON import_job (status) WHERE status IN ('validating','committing','ready');

-- One checked row. `data` holds the normalised values (ID number and phone as ciphertext and keyed
-- hash); `action` says what committing it would do to the registry.
CREATE TABLE import_row (
  job_id       bigint  NOT NULL REFERENCES import_job(id) ON DELETE CASCADE,
  row_number   integer NOT NULL CHECK (row_number > 0),
  status       text    NOT NULL CHECK (status IN ('valid','error')),
  action       text    CHECK (action IN ('new','update','unchanged')),
  -- The registered person this row updates (no foreign key: staging never holds up the registry).
  resident_id  bigint,
  data         jsonb,
  PRIMARY KEY (job_id, row_number),
  CHECK ((status = 'valid') = (action IS NOT NULL AND data IS NOT NULL))
);

-- What is wrong with a row: the column (a key of the import columns; null for the whole row) and
-- a catalogue message with parameters, shown in the reader's language.
CREATE TABLE import_issue (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id      bigint  NOT NULL REFERENCES import_job(id) ON DELETE CASCADE,
  row_number  integer NOT NULL CHECK (row_number > 0),
  column_key  text,
  message_key text    NOT NULL,
  params      jsonb
);
CREATE INDEX import_issue_job_idx ON import_issue (job_id, row_number, id);
