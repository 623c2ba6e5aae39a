-- The registry 人·房·地·物·组织: care tags, resident status and history, organisations, imports.

-- Care tags (七色信息牌 of seed 004): a configurable catalogue. Sensitive tags (disability, low income,
-- community correction …) are shown only to roles holding 'registry.sensitive_tags'.
CREATE TABLE care_tag (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]{1,40}$'),
  name_zh     text NOT NULL CHECK (length(name_zh) BETWEEN 1 AND 20),
  name_en     text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 40),
  color       text NOT NULL CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
  sensitive   boolean NOT NULL DEFAULT false,
  applies_to  text NOT NULL DEFAULT 'resident' CHECK (applies_to IN ('resident','household','both')),
  sort_order  integer NOT NULL DEFAULT 0,
  is_active   boolean NOT NULL DEFAULT true
);
INSERT INTO care_tag (code, name_zh, name_en, color, sensitive, applies_to, sort_order) VALUES
  ('long_term',            '长居',     'Long-term resident',   '#52c41a', false, 'household', 10),
  ('short_rent',           '短租',     'Short-term rental',    '#1677ff', false, 'household', 20),
  ('empty_nest',           '空巢',     'Empty nest',           '#fa8c16', false, 'both',      30),
  ('living_alone',         '独居',     'Living alone',         '#f5222d', false, 'both',      40),
  ('elderly_80',           '高龄',     'Aged 80+',             '#eb2f96', false, 'resident',  50),
  ('disabled',             '残疾',     'Disability',           '#722ed1', true,  'resident',  60),
  ('low_income',           '低保',     'Minimum-income aid',   '#8c5a2b', true,  'both',      70),
  ('veteran',              '退役军人', 'Veteran',              '#13c2c2', false, 'resident',  80),
  ('floating',             '流动人口', 'Floating population',  '#8c8c8c', false, 'resident',  90),
  ('community_correction', '社区矫正', 'Community correction', '#262626', true,  'resident', 100),
  ('party_member',         '党员',     'Party member',         '#cf1322', false, 'resident', 110);

ALTER TABLE resident
  ADD COLUMN ethnicity         text,
  ADD COLUMN political_status  text,
  ADD COLUMN status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active','moved_out','deceased')),
  ADD COLUMN moved_in_on       date,
  ADD COLUMN moved_out_on      date,
  ADD COLUMN deceased_on       date,
  ADD COLUMN name_initials     text,
  ADD COLUMN name_pinyin       text,
  ADD COLUMN version           integer NOT NULL DEFAULT 1;
-- One registry record per person.
CREATE UNIQUE INDEX resident_id_number_unique ON resident (id_number_hash) WHERE id_number_hash IS NOT NULL;
CREATE INDEX resident_initials_idx ON resident (name_initials text_pattern_ops);
CREATE INDEX resident_name_idx ON resident (name text_pattern_ops);

CREATE TABLE resident_tag (
  resident_id bigint NOT NULL REFERENCES resident(id) ON DELETE RESTRICT,
  tag_id      bigint NOT NULL REFERENCES care_tag(id) ON DELETE RESTRICT,
  since       date,
  PRIMARY KEY (resident_id, tag_id)
);
CREATE INDEX resident_tag_tag_idx ON resident_tag (tag_id, resident_id);

CREATE TABLE household_tag (
  household_id bigint NOT NULL REFERENCES household(id) ON DELETE RESTRICT,
  tag_id       bigint NOT NULL REFERENCES care_tag(id) ON DELETE RESTRICT,
  since        date,
  PRIMARY KEY (household_id, tag_id)
);
CREATE INDEX household_tag_tag_idx ON household_tag (tag_id, household_id);

-- History, not overwrite: every change of a resident keeps the state before it, with dates.
-- Personal data stays encrypted in the snapshot.
CREATE TABLE resident_history (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  resident_id  bigint NOT NULL REFERENCES resident(id) ON DELETE RESTRICT,
  kind         text NOT NULL CHECK (kind IN ('update','move_in','move_out','household_change','death','tags')),
  valid_from   timestamptz NOT NULL,
  valid_to     timestamptz NOT NULL DEFAULT now(),
  effective_on date,
  before       jsonb NOT NULL,
  changed_by   bigint REFERENCES app_user(id)
);
CREATE INDEX resident_history_resident_idx ON resident_history (resident_id, valid_to DESC);

-- Organisations (企事业单位、商户、社会组织).
CREATE TABLE organisation (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id         bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path       ltree  NOT NULL,
  region_code     text   NOT NULL,
  kind            text   NOT NULL CHECK (kind IN ('enterprise','institution','merchant','social_org')),
  name            text   NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  uscc            text   CHECK (uscc ~ '^[0-9A-HJ-NPQRTUW-Y]{18}$'),
  contact_name    text,
  contact_phone_enc  text,
  contact_phone_hash text,
  address         text,
  building_id     bigint REFERENCES building(id) ON DELETE RESTRICT,
  lng             double precision CHECK (lng BETWEEN -180 AND 180),
  lat             double precision CHECK (lat BETWEEN -90 AND 90),
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active','closed')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisation_unit_path_gist ON organisation USING gist (unit_path);
CREATE INDEX organisation_unit_idx ON organisation (unit_id);
CREATE UNIQUE INDEX organisation_uscc_unique ON organisation (uscc) WHERE uscc IS NOT NULL;
