-- Case attachments (photos): uploaded on their own (a phone may send them before the report, or
-- retry them), then linked to a case and to the timeline step they belong to (the report, a feed
-- back, a verification). The bytes live in an object store (disk or S3-compatible), never in the
-- database and never under the web root. Runs on PostgreSQL 15 through 18.

CREATE TABLE attachment (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uploader_id     bigint NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
  case_id         bigint REFERENCES cases(id) ON DELETE RESTRICT,
  event_id        bigint REFERENCES case_event(id) ON DELETE RESTRICT,
  -- Copied from the case when attached (so a hierarchy move carries them along); NULL before:
  -- an unattached upload is visible to its uploader only, and `unit_path <@ …` never matches NULL.
  unit_id         bigint REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path       ltree,
  region_code     text,
  storage         text   NOT NULL CHECK (storage IN ('disk','s3')),
  storage_key     text   NOT NULL UNIQUE CHECK (storage_key ~ '^[a-z0-9][a-z0-9/_-]{0,199}$'),
  content_type    text   NOT NULL CHECK (content_type IN ('image/jpeg','image/png','image/webp')),
  byte_size       integer NOT NULL CHECK (byte_size > 0),
  sha256          text   NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  width           integer NOT NULL CHECK (width > 0),
  height          integer NOT NULL CHECK (height > 0),
  -- A phone's retry of the same upload answers the same row.
  idempotency_key text   CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  created_at      timestamptz NOT NULL DEFAULT now(),
  attached_at     timestamptz,
  CONSTRAINT attachment_idempotency_unique UNIQUE (uploader_id, idempotency_key),
  CONSTRAINT attachment_attached_whole CHECK (
    (case_id IS NULL AND event_id IS NULL AND unit_id IS NULL AND unit_path IS NULL AND region_code IS NULL AND attached_at IS NULL)
    OR (case_id IS NOT NULL AND event_id IS NOT NULL AND unit_id IS NOT NULL AND unit_path IS NOT NULL AND region_code IS NOT NULL AND attached_at IS NOT NULL))
);
CREATE INDEX attachment_case_idx ON attachment (case_id, id) WHERE case_id IS NOT NULL;
CREATE INDEX attachment_event_idx ON attachment (event_id) WHERE event_id IS NOT NULL;
-- The sweep of uploads never attached.
CREATE INDEX attachment_unattached_idx ON attachment (created_at) WHERE case_id IS NULL;
CREATE INDEX attachment_unit_path_gist ON attachment USING gist (unit_path);
