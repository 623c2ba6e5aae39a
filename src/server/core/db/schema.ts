import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Kysely's view of the tables. Migrations in /migrations are the source of truth. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string | undefined | null, string | null>;
/** ltree columns travel as text, e.g. "1.4.57". */
type Ltree = string;

export type UnitLevel = 'province' | 'city' | 'district' | 'street' | 'community' | 'grid' | 'microgrid';

export interface UnitTable {
  id: Generated<string>;
  parent_id: string | null;
  level: UnitLevel;
  code: string;
  name: string;
  path: Ltree;
  region_code: string;
  boundary: Json<GeoJsonPolygon | null> | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface GeoJsonPolygon {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: number[][][] | number[][][][];
}

export interface AppUserTable {
  id: Generated<string>;
  username: string;
  display_name: string;
  password_hash: string;
  locale: ColumnType<string, string | undefined, string>;
  unit_id: string;
  unit_path: Ltree;
  region_code: string;
  is_active: ColumnType<boolean, boolean | undefined, boolean>;
  failed_logins: ColumnType<number, number | undefined, number>;
  locked_until: Date | null;
  mfa_secret_enc: string | null;
  mfa_enabled: ColumnType<boolean, boolean | undefined, boolean>;
  mfa_last_step: string | null;
  password_changed_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MfaRecoveryCodeTable {
  id: Generated<string>;
  user_id: string;
  code_hash: string;
  used_at: Date | null;
}

export interface RoleBindingTable {
  id: Generated<string>;
  user_id: string;
  role: string;
  unit_id: string;
  created_at: Timestamp;
  created_by: string | null;
}

export interface SessionTable {
  id: string;
  user_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  mfa_pending: ColumnType<boolean, boolean | undefined, boolean>;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  occurred_at: Timestamp;
  actor_id: string | null;
  actor_username: string | null;
  ip: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  unit_path: Ltree | null;
  result: 'success' | 'failure' | 'denied';
  detail: Json<Record<string, unknown>>;
}

interface Scoped {
  unit_id: string;
  unit_path: Ltree;
  region_code: string;
}

export interface BuildingTable extends Scoped {
  id: Generated<string>;
  name: string;
  address: string | null;
  lng: number | null;
  lat: number | null;
  floors: number | null;
  building_type: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface EntranceTable extends Scoped {
  id: Generated<string>;
  building_id: string;
  name: string;
  created_at: Timestamp;
}

export interface HouseholdTable extends Scoped {
  id: Generated<string>;
  building_id: string;
  entrance_id: string | null;
  room: string;
  floor: number | null;
  usage: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
}

export interface ResidentTable extends Scoped {
  id: Generated<string>;
  household_id: string | null;
  name: string;
  gender: 'male' | 'female' | null;
  birth_date: ColumnType<string | null, string | null | undefined, string | null>;
  id_number_enc: string | null;
  id_number_hash: string | null;
  phone_enc: string | null;
  phone_hash: string | null;
  relation: string | null;
  residence_type: ColumnType<string, string | undefined, string>;
  ethnicity: string | null;
  political_status: string | null;
  status: ColumnType<'active' | 'moved_out' | 'deceased', 'active' | 'moved_out' | 'deceased' | undefined, 'active' | 'moved_out' | 'deceased'>;
  moved_in_on: ColumnType<string | null, string | null | undefined, string | null>;
  moved_out_on: ColumnType<string | null, string | null | undefined, string | null>;
  deceased_on: ColumnType<string | null, string | null | undefined, string | null>;
  name_initials: string | null;
  name_pinyin: string | null;
  version: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CareTagTable {
  id: Generated<string>;
  code: string;
  name_zh: string;
  name_en: string;
  color: string;
  sensitive: ColumnType<boolean, boolean | undefined, boolean>;
  applies_to: ColumnType<'resident' | 'household' | 'both', 'resident' | 'household' | 'both' | undefined, 'resident' | 'household' | 'both'>;
  sort_order: ColumnType<number, number | undefined, number>;
  is_active: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface ResidentTagTable {
  resident_id: string;
  tag_id: string;
  since: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface HouseholdTagTable {
  household_id: string;
  tag_id: string;
  since: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ResidentHistoryTable {
  id: Generated<string>;
  resident_id: string;
  kind: 'update' | 'move_in' | 'move_out' | 'household_change' | 'death' | 'tags';
  valid_from: Timestamp;
  valid_to: Timestamp;
  effective_on: ColumnType<string | null, string | null | undefined, string | null>;
  before: Json<Record<string, unknown>>;
  changed_by: string | null;
}

export interface OrganisationTable extends Scoped {
  id: Generated<string>;
  kind: 'enterprise' | 'institution' | 'merchant' | 'social_org';
  name: string;
  uscc: string | null;
  contact_name: string | null;
  contact_phone_enc: string | null;
  contact_phone_hash: string | null;
  address: string | null;
  building_id: string | null;
  lng: number | null;
  lat: number | null;
  status: ColumnType<'active' | 'closed', 'active' | 'closed' | undefined, 'active' | 'closed'>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface Database {
  unit: UnitTable;
  app_user: AppUserTable;
  mfa_recovery_code: MfaRecoveryCodeTable;
  role_binding: RoleBindingTable;
  session: SessionTable;
  audit_log: AuditLogTable;
  building: BuildingTable;
  entrance: EntranceTable;
  household: HouseholdTable;
  resident: ResidentTable;
  care_tag: CareTagTable;
  resident_tag: ResidentTagTable;
  household_tag: HouseholdTagTable;
  resident_history: ResidentHistoryTable;
  organisation: OrganisationTable;
}

export type Unit = Selectable<UnitTable>;
export type NewUnit = Insertable<UnitTable>;
export type UnitUpdate = Updateable<UnitTable>;
export type AppUser = Selectable<AppUserTable>;
