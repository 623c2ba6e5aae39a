-- Open311 GeoReport v2 intake: the partners allowed to POST service requests (each with its own api
-- key, stored only as a SHA-256 hex digest, and the unit whose area it may report into), and the
-- token handed out with each request a partner created (tokens/{token} answers for it).
-- A partner row is scoped like every other (unit_id, unit_path, region_code): moving its unit moves it.
-- A partner reports through a service account of its own (app_user, never able to sign in: no
-- usable password, inactive), so its cases carry a reporter id, an idempotency namespace of their
-- own and the partner's name in the timeline, like any other case.

CREATE TABLE open311_partner (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text   NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  key_hash    text   NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  unit_id     bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path   ltree  NOT NULL,
  region_code text   NOT NULL,
  user_id     bigint NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
  is_active   boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT open311_partner_key_unique UNIQUE (key_hash),
  CONSTRAINT open311_partner_user_unique UNIQUE (user_id)
);
CREATE INDEX open311_partner_unit_path_gist ON open311_partner USING gist (unit_path);

CREATE TABLE open311_token (
  token       text   PRIMARY KEY CHECK (token ~ '^[A-Za-z0-9_-]{16,64}$'),
  partner_id  bigint NOT NULL REFERENCES open311_partner(id) ON DELETE RESTRICT,
  case_id     bigint NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT open311_token_case_unique UNIQUE (case_id)
);
