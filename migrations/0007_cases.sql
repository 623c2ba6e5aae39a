-- The case closed loop 事件闭环: categories with their time limits, the departments cases are
-- dispatched to, cases, their work orders (派单), the timeline (append-only) and extension requests.
-- Runs on PostgreSQL 15 through 18. The word CASE is reserved in SQL: the table is `cases`.

-- A stage's time limit: {"unit": "working_hours" | "working_days" | "clock_hours", "amount": n > 0}.
CREATE FUNCTION case_time_limit_ok(l jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT l IS NOT NULL AND jsonb_typeof(l) = 'object'
    AND l->>'unit' IN ('working_hours','working_days','clock_hours')
    AND jsonb_typeof(l->'amount') = 'number'
    AND (l->>'amount')::numeric > 0 AND (l->>'amount')::numeric <= 1000
    AND (SELECT count(*) FROM jsonb_object_keys(l)) = 2
$$;

-- The category tree (GB/T 30428 classes, the 城市八乱, the governance classes of the seeds). Each
-- carries its time limits per stage, the limit of an urgent case's handling (clock hours), the
-- level a case starts at (小事不出网格) and the code of the department responsible for it.
CREATE TABLE case_category (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code                text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]{1,40}(\.[a-z][a-z0-9_]{1,40})?$'),
  parent_id           bigint REFERENCES case_category(id) ON DELETE RESTRICT,
  name_zh             text NOT NULL CHECK (length(name_zh) BETWEEN 1 AND 40),
  name_en             text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 80),
  accept_limit        jsonb NOT NULL CHECK (case_time_limit_ok(accept_limit)),
  handle_limit        jsonb NOT NULL CHECK (case_time_limit_ok(handle_limit)),
  verify_limit        jsonb NOT NULL CHECK (case_time_limit_ok(verify_limit)),
  urgent_handle_limit jsonb NOT NULL CHECK (case_time_limit_ok(urgent_handle_limit)),
  default_level       text NOT NULL DEFAULT 'grid' CHECK (default_level IN ('grid','community','street')),
  department_code     text CHECK (department_code ~ '^[a-z][a-z0-9_]{1,40}$'),
  is_active           boolean NOT NULL DEFAULT true,
  sort_order          integer NOT NULL DEFAULT 0
);
CREATE INDEX case_category_parent_idx ON case_category (parent_id);

CREATE FUNCTION case_limit(unit text, amount numeric) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$ SELECT jsonb_build_object('unit', unit, 'amount', amount) $$;

-- Top-level classes: their limits are the defaults their children copy unless they say otherwise.
INSERT INTO case_category (code, name_zh, name_en, accept_limit, handle_limit, verify_limit, urgent_handle_limit, default_level, department_code, sort_order) VALUES
  -- GB/T 30428 事件 classes
  ('city_appearance', '市容环境', 'City appearance',       case_limit('working_hours', 2), case_limit('working_days', 3),  case_limit('working_days', 1), case_limit('clock_hours', 4), 'grid',      'urban_management', 10),
  ('advertising',     '宣传广告', 'Advertising',           case_limit('working_hours', 2), case_limit('working_days', 2),  case_limit('working_days', 1), case_limit('clock_hours', 4), 'grid',      'urban_management', 20),
  ('construction',    '施工管理', 'Construction',          case_limit('working_hours', 2), case_limit('working_days', 5),  case_limit('working_days', 1), case_limit('clock_hours', 4), 'community', 'housing',          30),
  ('street_order',    '街面秩序', 'Street order',          case_limit('working_hours', 2), case_limit('working_days', 2),  case_limit('working_days', 1), case_limit('clock_hours', 2), 'grid',      'urban_management', 40),
  ('emergency',       '突发事件', 'Emergencies',           case_limit('clock_hours', 1),   case_limit('working_hours', 7), case_limit('working_days', 1), case_limit('clock_hours', 2), 'street',    'emergency',        50),
  -- GB/T 30428 部件 (facility) classes
  ('public_facility', '公用设施', 'Public utilities',      case_limit('working_hours', 2), case_limit('working_days', 5),  case_limit('working_days', 1), case_limit('clock_hours', 4), 'community', 'water',            60),
  ('traffic_facility','道路交通设施', 'Road and traffic facilities', case_limit('working_hours', 2), case_limit('working_days', 5), case_limit('working_days', 1), case_limit('clock_hours', 4), 'community', 'traffic_police', 70),
  ('appearance_facility','市容环境设施', 'Sanitation facilities', case_limit('working_hours', 2), case_limit('working_days', 3), case_limit('working_days', 1), case_limit('clock_hours', 4), 'grid', 'urban_management', 80),
  ('greenery',        '园林绿化', 'Parks and greenery',     case_limit('working_hours', 2), case_limit('working_days', 5),  case_limit('working_days', 1), case_limit('clock_hours', 4), 'community', 'landscaping',      90),
  ('housing_land',    '房屋土地', 'Buildings and land',     case_limit('working_hours', 2), case_limit('working_days', 10), case_limit('working_days', 2), case_limit('clock_hours', 4), 'community', 'housing',         100),
  -- 城市八乱 (seed 001)
  ('eight_disorders', '城市八乱', 'The eight disorders',    case_limit('working_hours', 2), case_limit('working_days', 3),  case_limit('working_days', 1), case_limit('clock_hours', 4), 'grid',      'urban_management', 110),
  -- Governance classes of the seeds
  ('dispute',         '矛盾纠纷', 'Disputes',               case_limit('working_hours', 4), case_limit('working_days', 10), case_limit('working_days', 2), case_limit('clock_hours', 4), 'community', 'justice',         120),
  ('safety_hazard',   '安全隐患', 'Safety hazards',         case_limit('working_hours', 2), case_limit('working_days', 3),  case_limit('working_days', 1), case_limit('clock_hours', 2), 'grid',      'emergency',       130),
  ('livelihood',      '民生诉求', 'Livelihood requests',    case_limit('working_hours', 4), case_limit('working_days', 5),  case_limit('working_days', 2), case_limit('clock_hours', 8), 'community', 'civil_affairs',   140),
  ('property_service','物业服务', 'Property services',      case_limit('working_hours', 4), case_limit('working_days', 5),  case_limit('working_days', 1), case_limit('clock_hours', 4), 'community', 'housing',         150),
  ('sanitation',      '环境卫生', 'Sanitation',             case_limit('working_hours', 2), case_limit('working_days', 1),  case_limit('working_days', 1), case_limit('clock_hours', 4), 'grid',      'urban_management', 160);

-- Subcategories: (parent code, code, zh, en, handle limit or null for the parent's, level or null, department or null).
INSERT INTO case_category (code, parent_id, name_zh, name_en, accept_limit, handle_limit, verify_limit, urgent_handle_limit, default_level, department_code, sort_order)
SELECT p.code || '.' || c.code, p.id, c.name_zh, c.name_en, p.accept_limit,
       COALESCE(c.handle, p.handle_limit), p.verify_limit, p.urgent_handle_limit,
       COALESCE(c.level, p.default_level), COALESCE(c.dept, p.department_code), c.sort
FROM (VALUES
  ('city_appearance', 'exposed_garbage',   '暴露垃圾',       'Exposed rubbish',            case_limit('working_days', 1), NULL, NULL, 1),
  ('city_appearance', 'dirty_road',        '道路不洁',       'Dirty road surface',         case_limit('working_days', 1), NULL, NULL, 2),
  ('city_appearance', 'open_burning',      '露天焚烧',       'Open burning',               case_limit('working_hours', 4), NULL, 'ecology', 3),
  ('advertising',     'illegal_ads',       '非法小广告',     'Illegal small ads',          NULL, NULL, NULL, 1),
  ('advertising',     'outdoor_ads',       '违规户外广告',   'Unlicensed outdoor ads',     case_limit('working_days', 5), 'community', NULL, 2),
  ('construction',    'construction_noise','施工扰民',       'Construction noise',         case_limit('working_days', 2), NULL, 'ecology', 1),
  ('construction',    'unfenced_site',     '施工未围挡',     'Site without hoarding',      NULL, NULL, NULL, 2),
  ('construction',    'muck_transport',    '渣土运输遗撒',   'Spilled muck from lorries',  case_limit('working_days', 1), 'street', 'urban_management', 3),
  ('street_order',    'street_vending',    '无照经营游商',   'Unlicensed street vending',  NULL, NULL, NULL, 1),
  ('street_order',    'shopfront',         '店外经营',       'Trading outside the shop',   NULL, NULL, NULL, 2),
  ('street_order',    'noise',             '噪声扰民',       'Noise nuisance',             NULL, NULL, 'public_security', 3),
  ('emergency',       'road_collapse',     '路面塌陷',       'Road collapse',              NULL, NULL, 'traffic_police', 1),
  ('emergency',       'pipe_burst',        '供水管道爆裂',   'Burst water main',           NULL, NULL, 'water', 2),
  ('emergency',       'waterlogging',      '道路积水',       'Flooded road',               NULL, NULL, 'water', 3),
  ('emergency',       'gas_leak',          '燃气泄漏',       'Gas leak',                   NULL, NULL, 'emergency', 4),
  ('public_facility', 'manhole_cover',     '井盖缺失破损',   'Missing or broken manhole cover', case_limit('working_days', 1), NULL, NULL, 1),
  ('public_facility', 'street_light',      '路灯损坏',       'Broken street light',        NULL, NULL, 'urban_management', 2),
  ('public_facility', 'fire_hydrant',      '消防栓损坏',     'Damaged fire hydrant',       NULL, NULL, 'emergency', 3),
  ('traffic_facility','road_damage',       '道路破损',       'Damaged road surface',       NULL, NULL, 'housing', 1),
  ('traffic_facility','traffic_sign',      '交通标志损坏',   'Damaged traffic sign',       NULL, NULL, NULL, 2),
  ('appearance_facility','litter_bin',     '垃圾箱损坏',     'Damaged litter bin',         NULL, NULL, NULL, 1),
  ('appearance_facility','public_toilet',  '公厕设施损坏',   'Damaged public toilet',      NULL, NULL, NULL, 2),
  ('greenery',        'damaged_greenery',  '绿地破坏',       'Damaged green space',        NULL, NULL, NULL, 1),
  ('greenery',        'fallen_tree',       '树木倒伏',       'Fallen tree',                case_limit('working_days', 1), NULL, NULL, 2),
  ('housing_land',    'dangerous_house',   '危房',           'Dangerous building',         NULL, 'street', NULL, 1),
  ('eight_disorders', 'parking',           '车乱停',         'Disorderly parking',         case_limit('working_days', 1), NULL, 'traffic_police', 1),
  ('eight_disorders', 'stalls',            '摊乱摆',         'Disorderly stalls',          NULL, NULL, NULL, 2),
  ('eight_disorders', 'signs',             '牌乱挂',         'Disorderly signboards',      NULL, NULL, NULL, 3),
  ('eight_disorders', 'posters',           '纸乱贴',         'Fly-posting',                NULL, NULL, NULL, 4),
  ('eight_disorders', 'wires',             '线乱拉',         'Disorderly wires',           NULL, 'community', 'housing', 5),
  ('eight_disorders', 'buildings',         '房乱建',         'Illegal construction',       case_limit('working_days', 10), 'community', 'urban_management', 6),
  ('eight_disorders', 'debris',            '渣乱倒',         'Illegal dumping of debris',  NULL, NULL, NULL, 7),
  ('eight_disorders', 'property',          '物业乱',         'Property management disorder', case_limit('working_days', 5), 'community', 'housing', 8),
  ('dispute',         'neighbour',         '邻里纠纷',       'Neighbour dispute',          NULL, NULL, NULL, 1),
  ('dispute',         'family',            '婚姻家庭纠纷',   'Family dispute',             NULL, NULL, NULL, 2),
  ('dispute',         'wages',             '劳资纠纷',       'Wage dispute',               NULL, 'street', 'human_resources', 3),
  ('safety_hazard',   'fire',              '消防隐患',       'Fire hazard',                NULL, NULL, NULL, 1),
  ('safety_hazard',   'ebike_charging',    '电动车违规充电', 'Unsafe e-bike charging',     case_limit('working_days', 1), NULL, NULL, 2),
  ('safety_hazard',   'falling_objects',   '高空坠物隐患',   'Risk of falling objects',    NULL, NULL, NULL, 3),
  ('livelihood',      'elderly_care',      '养老服务',       'Elderly care',               NULL, NULL, NULL, 1),
  ('livelihood',      'social_assistance', '社会救助',       'Social assistance',          NULL, NULL, NULL, 2),
  ('livelihood',      'utilities_supply',  '水电气供应',     'Water, power and gas supply', case_limit('working_days', 2), NULL, 'water', 3),
  ('property_service','repairs',           '报修不及时',     'Slow repairs',               NULL, NULL, NULL, 1),
  ('property_service','lift',              '电梯故障',       'Lift out of order',          case_limit('working_days', 1), NULL, 'market_regulation', 2),
  ('property_service','fees',              '物业收费',       'Property fees',              NULL, NULL, NULL, 3),
  ('sanitation',      'rubbish_sorting',   '垃圾分类',       'Rubbish sorting',            NULL, NULL, NULL, 1),
  ('sanitation',      'pests',             '病媒生物',       'Rats and insects',           case_limit('working_days', 3), NULL, NULL, 2)
) AS c(parent, code, name_zh, name_en, handle, level, dept, sort)
JOIN case_category p ON p.code = c.parent;

DROP FUNCTION case_limit(text, numeric);

-- A functional department (职能部门: 城管、市场监管、司法所 …) serving a district or a street. `code`
-- is what a category names as responsible; the department a case goes to is the one with that code
-- serving the case's street or district.
CREATE TABLE department (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text   NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{1,40}$'),
  name_zh     text   NOT NULL CHECK (length(name_zh) BETWEEN 1 AND 60),
  name_en     text   NOT NULL CHECK (length(name_en) BETWEEN 1 AND 100),
  unit_id     bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path   ltree  NOT NULL,
  region_code text   NOT NULL,
  is_active   boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT department_code_unique UNIQUE (unit_id, code)
);
CREATE INDEX department_unit_path_gist ON department USING gist (unit_path);

-- Who works for a department: its department_handler accounts receive what is dispatched to it.
CREATE TABLE department_member (
  department_id bigint NOT NULL REFERENCES department(id) ON DELETE CASCADE,
  user_id       bigint NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (department_id, user_id)
);
CREATE INDEX department_member_user_idx ON department_member (user_id);

-- Case numbers: <district initials>-<Beijing date>-<sequence of the day>, e.g. HY-20261121-0001.
CREATE TABLE case_number_counter (
  prefix text    NOT NULL,
  day    date    NOT NULL,
  last   integer NOT NULL,
  PRIMARY KEY (prefix, day)
);

-- A case: where it happened (its grid: unit_id, unit_path, region_code), who handles it now
-- (handling_*: starts at the grid — 小事不出网格 — and rises on escalation), its stage clock.
CREATE TABLE cases (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  number             text   NOT NULL UNIQUE,
  category_id        bigint NOT NULL REFERENCES case_category(id) ON DELETE RESTRICT,
  description        text   NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
  source             text   NOT NULL CHECK (source IN ('patrol','resident','captain','hotline','phone','api','open311')),
  urgency            text   NOT NULL DEFAULT 'normal' CHECK (urgency IN ('normal','urgent','critical')),
  state              text   NOT NULL DEFAULT 'reported'
                     CHECK (state IN ('reported','accepted','dispatched','in_progress','handled','verified','closed','rejected','merged')),
  lng                double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
  lat                double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  address            text   CHECK (length(address) <= 200),
  unit_id            bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  unit_path          ltree  NOT NULL,
  region_code        text   NOT NULL,
  handling_unit_id   bigint NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
  handling_path      ltree  NOT NULL,
  handling_level     text   NOT NULL CHECK (handling_level IN ('grid','community','street','district')),
  reporter_user_id   bigint NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
  reporter_name      text   CHECK (length(reporter_name) BETWEEN 1 AND 50),
  reporter_phone_enc text,
  reporter_phone_hash text,
  stage              text   CHECK (stage IN ('accept','handle','verify','rate')),
  stage_started_at   timestamptz,
  stage_deadline     timestamptz,
  stage_limit_unit   text   CHECK (stage_limit_unit IN ('working_hours','working_days','clock_hours')),
  overdue_level      text   NOT NULL DEFAULT 'green' CHECK (overdue_level IN ('green','yellow','red')),
  supervision        text   CHECK (supervision IN ('yellow','red')),
  reopen_count       integer NOT NULL DEFAULT 0 CHECK (reopen_count >= 0),
  rating             text   CHECK (rating IN ('satisfied','basic','dissatisfied')),
  rating_comment     text   CHECK (length(rating_comment) <= 500),
  rated_at           timestamptz,
  merged_into        bigint REFERENCES cases(id) ON DELETE RESTRICT,
  hotline_order_no   text   CHECK (length(hotline_order_no) BETWEEN 1 AND 64),
  hotline_deadline   timestamptz,
  idempotency_key    text   CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  request_hash       text,
  closed_at          timestamptz,
  version            integer NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT cases_idempotency_unique UNIQUE (reporter_user_id, idempotency_key),
  CONSTRAINT cases_merged_has_target CHECK ((state = 'merged') = (merged_into IS NOT NULL)),
  CONSTRAINT cases_stage_clock CHECK ((stage IS NULL) = (stage_started_at IS NULL))
);
CREATE INDEX cases_unit_path_gist ON cases USING gist (unit_path);
CREATE INDEX cases_handling_path_gist ON cases USING gist (handling_path);
CREATE INDEX cases_state_idx ON cases (state, created_at DESC);
CREATE INDEX cases_open_deadline_idx ON cases (stage_deadline) WHERE state IN ('reported','accepted','dispatched','in_progress','handled','verified');
CREATE INDEX cases_reporter_idx ON cases (reporter_user_id, created_at DESC);
CREATE INDEX cases_created_idx ON cases (created_at DESC, id DESC);
CREATE INDEX cases_category_idx ON cases (category_id);
CREATE INDEX cases_hotline_idx ON cases (hotline_order_no) WHERE hotline_order_no IS NOT NULL;

-- A dispatch of a case (派单) to a unit of the tree or a department. A whistle (吹哨) makes one per
-- department, one of them leading; each reports back separately.
CREATE TABLE work_order (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id                bigint NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  assignee_kind          text   NOT NULL CHECK (assignee_kind IN ('unit','department')),
  assignee_unit_id       bigint REFERENCES unit(id) ON DELETE RESTRICT,
  assignee_unit_path     ltree,
  assignee_department_id bigint REFERENCES department(id) ON DELETE RESTRICT,
  lead                   boolean NOT NULL DEFAULT true,
  state                  text   NOT NULL DEFAULT 'dispatched' CHECK (state IN ('dispatched','claimed','done','returned','cancelled')),
  dispatched_by          bigint REFERENCES app_user(id) ON DELETE RESTRICT,
  dispatched_at          timestamptz NOT NULL DEFAULT now(),
  claimed_by             bigint REFERENCES app_user(id) ON DELETE RESTRICT,
  claimed_at             timestamptz,
  finished_by            bigint REFERENCES app_user(id) ON DELETE RESTRICT,
  finished_at            timestamptz,
  note                   text   CHECK (length(note) <= 2000),
  CONSTRAINT work_order_assignee CHECK (
    (assignee_kind = 'unit' AND assignee_unit_id IS NOT NULL AND assignee_unit_path IS NOT NULL AND assignee_department_id IS NULL)
    OR (assignee_kind = 'department' AND assignee_department_id IS NOT NULL AND assignee_unit_id IS NULL AND assignee_unit_path IS NULL))
);
CREATE INDEX work_order_case_idx ON work_order (case_id, id);
CREATE INDEX work_order_open_unit_idx ON work_order (assignee_unit_id) WHERE state IN ('dispatched','claimed');
CREATE INDEX work_order_department_idx ON work_order (assignee_department_id, case_id);

-- The timeline of a case: who, when, which action, from which state to which. Append-only.
CREATE TABLE case_event (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id     bigint NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor_id    bigint REFERENCES app_user(id) ON DELETE RESTRICT,
  actor_name  text,
  action      text   NOT NULL,
  from_state  text,
  to_state    text   NOT NULL,
  note        text   CHECK (length(note) <= 2000),
  detail      jsonb  NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX case_event_case_idx ON case_event (case_id, occurred_at, id);

CREATE FUNCTION case_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'case_event is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER case_event_no_update BEFORE UPDATE OR DELETE ON case_event
  FOR EACH ROW EXECUTE FUNCTION case_event_is_append_only();
CREATE TRIGGER case_event_no_truncate BEFORE TRUNCATE ON case_event
  FOR EACH STATEMENT EXECUTE FUNCTION case_event_is_append_only();

-- A handler asks for more time on the current stage; decided one level up.
CREATE TABLE extension_request (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id       bigint NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
  requested_by  bigint NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
  requested_at  timestamptz NOT NULL DEFAULT now(),
  amount        numeric NOT NULL CHECK (amount > 0 AND amount <= 1000),
  limit_unit    text    NOT NULL CHECK (limit_unit IN ('working_hours','working_days','clock_hours')),
  reason        text    NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  state         text    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','approved','refused')),
  decided_by    bigint REFERENCES app_user(id) ON DELETE RESTRICT,
  decided_at    timestamptz,
  decision_note text    CHECK (length(decision_note) <= 500)
);
CREATE INDEX extension_request_case_idx ON extension_request (case_id, id);
CREATE UNIQUE INDEX extension_request_one_pending ON extension_request (case_id) WHERE state = 'pending';
