-- The registry's base records (人·房): buildings, entrances, households, residents.
-- Every scoped table carries unit_id (where in the tree it belongs), unit_path (a copy of that
-- unit's path, kept current when a subtree moves) and region_code (distribution key).
-- ID numbers and phones are stored only encrypted (AES-256-GCM, key outside the database),
-- with a keyed hash beside them for exact search.

CREATE TABLE building (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id       bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path     ltree  NOT NULL,
  region_code   text   NOT NULL,
  name          text   NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  address       text,
  lng           double precision CHECK (lng BETWEEN -180 AND 180),
  lat           double precision CHECK (lat BETWEEN -90 AND 90),
  floors        integer CHECK (floors BETWEEN 1 AND 200),
  building_type text NOT NULL DEFAULT 'residential',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX building_unit_path_gist ON building USING gist (unit_path);
CREATE INDEX building_unit_idx ON building (unit_id);

CREATE TABLE entrance (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  building_id bigint NOT NULL REFERENCES building(id) ON DELETE RESTRICT,
  unit_id     bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path   ltree  NOT NULL,
  region_code text   NOT NULL,
  name        text   NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX entrance_unit_path_gist ON entrance USING gist (unit_path);
CREATE INDEX entrance_building_idx ON entrance (building_id);
CREATE INDEX entrance_unit_idx ON entrance (unit_id);

CREATE TABLE household (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  building_id bigint NOT NULL REFERENCES building(id) ON DELETE RESTRICT,
  entrance_id bigint REFERENCES entrance(id) ON DELETE RESTRICT,
  unit_id     bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path   ltree  NOT NULL,
  region_code text   NOT NULL,
  room        text   NOT NULL CHECK (length(room) BETWEEN 1 AND 20),
  floor       integer,
  usage       text   NOT NULL DEFAULT 'owner_occupied'
              CHECK (usage IN ('owner_occupied','rented','vacant','commercial')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX household_unit_path_gist ON household USING gist (unit_path);
CREATE INDEX household_building_idx ON household (building_id);
CREATE INDEX household_entrance_idx ON household (entrance_id);
CREATE INDEX household_unit_idx ON household (unit_id);

CREATE TABLE resident (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  household_id    bigint REFERENCES household(id) ON DELETE RESTRICT,
  unit_id         bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path       ltree  NOT NULL,
  region_code     text   NOT NULL,
  name            text   NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
  gender          text   CHECK (gender IN ('male','female')),
  birth_date      date,
  id_number_enc   text,
  id_number_hash  text,
  phone_enc       text,
  phone_hash      text,
  relation        text,
  residence_type  text NOT NULL DEFAULT 'registered' CHECK (residence_type IN ('registered','floating','overseas')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX resident_unit_path_gist ON resident USING gist (unit_path);
CREATE INDEX resident_household_idx ON resident (household_id);
CREATE INDEX resident_unit_idx ON resident (unit_id);
CREATE INDEX resident_id_number_hash_idx ON resident (id_number_hash);
CREATE INDEX resident_phone_hash_idx ON resident (phone_hash);
