import { z } from 'zod';
import { Id, IsoDate, TagView, UnitRef } from './registry/common.schemas.js';
import { ResidentView, UpdateResidentInput } from './registry/residents.schemas.js';
import { UpdateHouseholdInput } from './registry/buildings.schemas.js';
import { AttachmentView, MAX_ATTACHMENTS } from './cases.schemas.js';

/**
 * Grid worker field work (走访、巡查、民情日记、每日工作清单、履职考核), shared by the server and the
 * phone app. Every create carries the time it happened on the phone (occurredAt / startedAt /
 * endedAt) and may carry an Idempotency-Key header: the phone queues offline and sends once.
 */

export const VISIT_RULE_KINDS = ['tag', 'all_households', 'daily_quota'] as const;
export const VISIT_KINDS = ['routine', 'care', 'case_follow_up', 'information'] as const;
export const VISIT_FOLLOW_UPS = ['none', 'case', 'proxy_service'] as const;
export const VISIT_STATES = ['none', 'ok', 'due', 'overdue'] as const;
/** How far in the future a phone's clock may be ahead (minutes), and how old a queued record may be (days). */
export const FUTURE_SKEW_MINUTES = 5;
export const MAX_AGE_DAYS = 30;
/** Route points per patrol the server accepts, and keeps after thinning. */
export const MAX_ROUTE_POINTS = 20_000;
export const KEPT_ROUTE_POINTS = 2_000;

const IsoDateTime = z.iso.datetime({ offset: true });
const Text = (max: number) => z.string().trim().min(1).max(max);
const Lng = z.number().min(-180).max(180);
const Lat = z.number().min(-90).max(90);

export const IdParam = z.strictObject({ id: Id });

/** Photos uploaded first (POST /api/attachments), each an id: linked to the patrol or diary entry. */
const AttachmentIds = z.array(Id).max(MAX_ATTACHMENTS).optional();

// ——— Visit rules ———

export const CreateVisitRuleInput = z.strictObject({
  unitId: Id,
  name: Text(50),
  kind: z.enum(VISIT_RULE_KINDS),
  tagCode: z.string().regex(/^[a-z][a-z0-9_]{1,40}$/).optional(),
  intervalDays: z.number().int().min(1).max(366).optional(),
  perDay: z.number().int().min(1).max(200).optional(),
  active: z.boolean().default(true),
});
export type CreateVisitRuleInput = z.infer<typeof CreateVisitRuleInput>;

export const UpdateVisitRuleInput = z.strictObject({
  version: z.number().int().min(1),
  name: Text(50).optional(),
  intervalDays: z.number().int().min(1).max(366).optional(),
  perDay: z.number().int().min(1).max(200).optional(),
  active: z.boolean().optional(),
});
export type UpdateVisitRuleInput = z.infer<typeof UpdateVisitRuleInput>;

export const VisitRuleQuery = z.strictObject({ unitId: Id.optional() });

export const VisitRuleView = z.object({
  id: z.string(),
  unit: UnitRef,
  name: z.string(),
  kind: z.enum(VISIT_RULE_KINDS),
  tagCode: z.string().nullable(),
  intervalDays: z.number().nullable(),
  perDay: z.number().nullable(),
  active: z.boolean(),
  version: z.number(),
  updatedAt: z.string(),
  abilities: z.object({ update: z.boolean() }),
});
export type VisitRuleView = z.infer<typeof VisitRuleView>;
export const VisitRuleList = z.object({ items: z.array(VisitRuleView) });

// ——— Visit status of households ———

export const VisitStatusQuery = z.strictObject({
  unitId: Id.optional(),
  buildingId: Id.optional(),
  state: z.enum(VISIT_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(2000).default(500),
  offset: z.coerce.number().int().min(0).default(0),
});

export const HouseholdVisitStatus = z.object({
  householdId: z.string(),
  room: z.string(),
  buildingId: z.string(),
  buildingName: z.string(),
  tags: z.array(TagView),
  intervalDays: z.number().nullable(),
  lastVisitAt: z.string().nullable(),
  nextDueDate: z.string().nullable(),
  state: z.enum(VISIT_STATES),
  daysOverdue: z.number(),
  special: z.boolean(),
});
export type HouseholdVisitStatus = z.infer<typeof HouseholdVisitStatus>;
export const VisitStatusList = z.object({ items: z.array(HouseholdVisitStatus), total: z.number() });

// ——— Visits ———

export const ResidentUpdateInVisit = UpdateResidentInput.extend({ residentId: Id });

export const CreateVisitInput = z.strictObject({
  householdId: Id,
  kind: z.enum(VISIT_KINDS),
  /** When it happened, on the phone's clock. */
  occurredAt: IsoDateTime,
  metResidentIds: z.array(Id).max(30).default([]),
  /** Others met (a relative, a carer …). */
  metOthers: Text(200).optional(),
  nobodyHome: z.boolean().default(false),
  findings: Text(2000).optional(),
  /** The case a follow-up visit is about. */
  caseId: Id.optional(),
  followUp: z.enum(VISIT_FOLLOW_UPS).default('none'),
  lng: Lng.optional(),
  lat: Lat.optional(),
  /** Changes to the household's residents, through the registry (each at the version the phone read). */
  residentUpdates: z.array(ResidentUpdateInVisit).max(20).default([]),
  /** Changes to the household itself, through the registry. */
  householdUpdate: UpdateHouseholdInput.optional(),
});
export type CreateVisitInput = z.infer<typeof CreateVisitInput>;

export const VisitListQuery = z.strictObject({
  householdId: Id.optional(),
  unitId: Id.optional(),
  visitorId: Id.optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const VisitView = z.object({
  id: z.string(),
  householdId: z.string(),
  room: z.string(),
  buildingId: z.string(),
  buildingName: z.string(),
  visitor: z.object({ id: z.string(), name: z.string() }),
  kind: z.enum(VISIT_KINDS),
  occurredAt: z.string(),
  metResidents: z.array(z.object({ id: z.string(), name: z.string() })),
  metOthers: z.string().nullable(),
  nobodyHome: z.boolean(),
  findings: z.string().nullable(),
  caseId: z.string().nullable(),
  followUp: z.enum(VISIT_FOLLOW_UPS),
  lng: z.number().nullable(),
  lat: z.number().nullable(),
  /** What the visit changed in the registry: resident ids and household fields. */
  changes: z.object({ residents: z.array(z.string()), household: z.array(z.string()) }),
  createdAt: z.string(),
});
export type VisitView = z.infer<typeof VisitView>;
export const VisitList = z.object({ items: z.array(VisitView), total: z.number() });

// ——— Patrols ———

/** A route point: [lng, lat, epoch milliseconds]. */
export const RoutePoint = z.tuple([Lng, Lat, z.number().int().min(0)]);

export const CreatePatrolInput = z.strictObject({
  startedAt: IsoDateTime,
  endedAt: IsoDateTime,
  /** The whole route, recorded by the phone; thinned by the server. */
  route: z.array(RoutePoint).max(MAX_ROUTE_POINTS).default([]),
  notes: Text(2000).optional(),
  /** The unit patrolled; by default the caller's own (their grid). */
  unitId: Id.optional(),
  /** Photos taken on the patrol (your own uploads not attached yet). */
  attachmentIds: AttachmentIds,
});
export type CreatePatrolInput = z.infer<typeof CreatePatrolInput>;

export const PatrolListQuery = z.strictObject({
  unitId: Id.optional(),
  workerId: Id.optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const PatrolSummary = z.object({
  id: z.string(),
  unit: UnitRef,
  worker: z.object({ id: z.string(), name: z.string() }),
  startedAt: z.string(),
  endedAt: z.string(),
  minutes: z.number(),
  distanceM: z.number(),
  pointCount: z.number(),
  notes: z.string().nullable(),
  /** Cases found on this patrol (reported from it). */
  casesFound: z.number(),
  photos: z.array(AttachmentView),
});
export const PatrolDetail = PatrolSummary.extend({
  route: z.array(RoutePoint),
  cases: z.array(z.object({ id: z.string(), number: z.string(), description: z.string(), state: z.string() })),
});
export const PatrolList = z.object({ items: z.array(PatrolSummary), total: z.number() });

// ——— Field diary ———

export const CreateDiaryInput = z.strictObject({
  occurredAt: IsoDateTime,
  body: Text(4000),
  householdId: Id.optional(),
  buildingId: Id.optional(),
  residentIds: z.array(Id).max(30).default([]),
  lng: Lng.optional(),
  lat: Lat.optional(),
  /** Photos (your own uploads not attached yet). */
  attachmentIds: AttachmentIds,
});
export type CreateDiaryInput = z.infer<typeof CreateDiaryInput>;

export const DiaryListQuery = z.strictObject({
  unitId: Id.optional(),
  householdId: Id.optional(),
  authorId: Id.optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const DiaryView = z.object({
  id: z.string(),
  unit: UnitRef,
  author: z.object({ id: z.string(), name: z.string() }),
  occurredAt: z.string(),
  body: z.string(),
  household: z.object({ id: z.string(), room: z.string(), buildingName: z.string() }).nullable(),
  building: z.object({ id: z.string(), name: z.string() }).nullable(),
  residents: z.array(z.object({ id: z.string(), name: z.string() })),
  lng: z.number().nullable(),
  lat: z.number().nullable(),
  photos: z.array(AttachmentView),
  createdAt: z.string(),
});
export const DiaryList = z.object({ items: z.array(DiaryView), total: z.number() });

// ——— The day's checklist ———

export const ChecklistQuery = z.strictObject({
  date: IsoDate.optional(),
  lng: z.coerce.number().min(-180).max(180).optional(),
  lat: z.coerce.number().min(-90).max(90).optional(),
});

const ChecklistCase = z.object({
  id: z.string(),
  number: z.string(),
  description: z.string(),
  state: z.string(),
  deadline: z.string().nullable(),
  overdueLevel: z.enum(['green', 'yellow', 'red']),
  lng: z.number(),
  lat: z.number(),
  distanceM: z.number().nullable(),
  ticked: z.boolean(),
});

export const ChecklistView = z.object({
  date: z.string(),
  quota: z.object({ perDay: z.number().nullable(), done: z.number(), met: z.boolean() }),
  visits: z.object({
    total: z.number(),
    ticked: z.number(),
    buildings: z.array(z.object({
      buildingId: z.string(),
      buildingName: z.string(),
      lng: z.number().nullable(),
      lat: z.number().nullable(),
      distanceM: z.number().nullable(),
      items: z.array(z.object({
        householdId: z.string(),
        room: z.string(),
        tags: z.array(TagView),
        state: z.enum(VISIT_STATES),
        nextDueDate: z.string().nullable(),
        lastVisitAt: z.string().nullable(),
        daysOverdue: z.number(),
        special: z.boolean(),
        ticked: z.boolean(),
      })),
    })),
  }),
  cases: z.array(ChecklistCase),
  verify: z.array(ChecklistCase),
  /** Sections not built yet (notices to relay: there is no notices module yet). */
  omitted: z.array(z.string()),
});
export type ChecklistView = z.infer<typeof ChecklistView>;

// ——— What the phone caches ———

export const OfflinePack = z.object({
  generatedAt: z.string(),
  grids: z.array(UnitRef),
  buildings: z.array(z.object({ id: z.string(), name: z.string(), address: z.string().nullable(), lng: z.number().nullable(), lat: z.number().nullable(), floors: z.number().nullable() })),
  households: z.array(HouseholdVisitStatus.extend({ floor: z.number().nullable(), entranceName: z.string().nullable(), usage: z.string() })),
  /** Residents masked exactly as the registry API masks them. */
  residents: z.array(ResidentView),
  rules: z.array(VisitRuleView),
  checklist: ChecklistView,
});
export type OfflinePackView = z.infer<typeof OfflinePack>;

// ——— Supervision ———

export const ComplianceQuery = z.strictObject({ unitId: Id, from: IsoDate, to: IsoDate });
export type ComplianceQuery = z.infer<typeof ComplianceQuery>;

export const ComplianceFigures = z.object({
  households: z.number(),
  specialHouseholds: z.number(),
  visitsDone: z.number(),
  householdsVisited: z.number(),
  /** Visits the rules expect over the period (each household: days / its strictest interval). */
  visitsDue: z.number(),
  /** Special households overdue on the period's last day (or today, if earlier). */
  overdueSpecial: z.number(),
  /** Days in the period on which the daily quota was met, of the period's days. */
  quotaDaysMet: z.number(),
  days: z.number(),
  patrols: z.number(),
  patrolHours: z.number(),
  patrolDistanceM: z.number(),
  casesFound: z.number(),
  diaryEntries: z.number(),
});
export type ComplianceFigures = z.infer<typeof ComplianceFigures>;

export const ComplianceView = z.object({
  unit: UnitRef,
  from: z.string(),
  to: z.string(),
  quota: z.number().nullable(),
  workers: z.array(z.object({ id: z.string(), name: z.string(), grid: UnitRef }).extend({ figures: ComplianceFigures })),
  grids: z.array(z.object({ grid: UnitRef, workers: z.number(), figures: ComplianceFigures })),
});
export type ComplianceView = z.infer<typeof ComplianceView>;

export const WorkerDayParams = z.strictObject({ userId: Id });
export const WorkerDayQuery = z.strictObject({ date: IsoDate });
export const WorkerDayView = z.object({
  worker: z.object({ id: z.string(), name: z.string() }),
  date: z.string(),
  visits: z.array(VisitView),
  patrols: z.array(PatrolSummary),
  diary: z.array(DiaryView),
  cases: z.array(z.object({ id: z.string(), number: z.string(), description: z.string(), state: z.string(), createdAt: z.string() })),
});
export type WorkerDayViewT = z.infer<typeof WorkerDayView>;
