import { z } from 'zod';
import { ContactPhone } from './registry/organisations.schemas.js';
import { Id, Paging } from './registry/common.schemas.js';
import { UnitLevel } from './hierarchy.schemas.js';

/** The names the case state machine uses (kept equal to case.machine.ts by a unit test). */
export const CASE_STATE_NAMES = ['reported', 'accepted', 'dispatched', 'in_progress', 'handled', 'verified', 'closed', 'rejected', 'merged'] as const;
export const CASE_ACTION_NAMES = [
  'accept', 'reject', 'merge', 'dispatch', 'whistle', 'claim', 'return', 'escalate', 'auto_escalate',
  'feed_back', 'verify_pass', 'verify_fail', 'close', 'rate', 'follow_up', 'supervise',
  'request_extension', 'decide_extension',
] as const;
export const CaseState = z.enum(CASE_STATE_NAMES);
export const CaseActionName = z.enum(CASE_ACTION_NAMES);
export type CaseActionName = z.infer<typeof CaseActionName>;

export const CASE_SOURCES = ['patrol', 'resident', 'captain', 'hotline', 'phone', 'api', 'open311'] as const;
export const CaseSource = z.enum(CASE_SOURCES);
export const CaseUrgency = z.enum(['normal', 'urgent', 'critical']);
export const Rating = z.enum(['satisfied', 'basic', 'dissatisfied']);
export const CASE_LISTS = ['to_accept', 'to_dispatch', 'mine', 'to_verify', 'overdue', 'supervised', 'reported_by_me', 'all'] as const;
export const CaseList = z.enum(CASE_LISTS);
export type CaseList = z.infer<typeof CaseList>;

const CategoryCode = z.string().regex(/^[a-z][a-z0-9_]{1,40}(\.[a-z][a-z0-9_]{1,40})?$/);
const Text = (max: number) => z.string().trim().min(1).max(max);
const IsoDateTime = z.iso.datetime({ offset: true });

/** At most this many photos go with one report or one step. */
export const MAX_ATTACHMENTS = 9;
/** Photos uploaded first (POST /api/attachments), each an id: linked to the case and its step. */
const AttachmentIds = z.array(Id).max(MAX_ATTACHMENTS).optional();

/** Report a case: where (placed in its grid from the point), what, how urgent, who called. */
export const ReportCaseInput = z.strictObject({
  categoryCode: CategoryCode,
  description: Text(2000),
  lng: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
  address: z.string().trim().max(200).optional(),
  /** open311 is reserved for the Open311 endpoint. */
  source: CaseSource.exclude(['open311']).optional(),
  urgency: CaseUrgency.default('normal'),
  /** The person who reported it, when staff enter a call; a resident reports as themselves. */
  reporterName: Text(50).optional(),
  reporterPhone: ContactPhone.optional(),
  hotlineOrderNo: Text(64).optional(),
  hotlineDeadline: IsoDateTime.optional(),
  attachmentIds: AttachmentIds,
  /** The patrol it was found on (your own; staff: one in their scope). */
  patrolId: Id.optional(),
  /** Or, while that patrol has not reached the server yet, the Idempotency-Key your phone sends it with. */
  patrolKey: z.string().regex(/^[\x21-\x7e]{1,200}$/).optional(),
});
export type ReportCaseInput = z.infer<typeof ReportCaseInput>;

const Version = { version: z.number().int().min(1).optional() };
const Note = z.string().trim().max(2000).optional();
const Reason = Text(500);

/** The body each action takes. `version`, when given, must be the version the client read (409 otherwise). */
export const ACTION_BODIES = {
  accept: z.strictObject({ ...Version, note: Note }),
  reject: z.strictObject({ ...Version, reason: Reason }),
  merge: z.strictObject({ ...Version, targetId: Id, note: Note }),
  dispatch: z.strictObject({ ...Version, unitId: Id.optional(), departmentId: Id.optional(), note: Note }),
  whistle: z.strictObject({ ...Version, departmentIds: z.array(Id).min(1).max(20), leadDepartmentId: Id, note: Note }),
  claim: z.strictObject({ ...Version, note: Note }),
  return: z.strictObject({ ...Version, reason: Reason, attachmentIds: AttachmentIds }),
  escalate: z.strictObject({ ...Version, reason: Reason }),
  feed_back: z.strictObject({ ...Version, note: Text(2000), attachmentIds: AttachmentIds }),
  verify_pass: z.strictObject({ ...Version, note: Note, attachmentIds: AttachmentIds }),
  verify_fail: z.strictObject({ ...Version, reason: Reason, attachmentIds: AttachmentIds }),
  close: z.strictObject({ ...Version, note: Note }),
  rate: z.strictObject({ ...Version, rating: Rating, comment: z.string().trim().max(500).optional() }),
  follow_up: z.strictObject({ ...Version, outcome: z.enum(['reached', 'unreached']), satisfaction: Rating.optional(), note: Note }),
  supervise: z.strictObject({ ...Version, mark: z.enum(['yellow', 'red']), comment: Text(500) }),
  request_extension: z.strictObject({ ...Version, amount: z.number().positive().max(1000), reason: Reason }),
  decide_extension: z.strictObject({ ...Version, approve: z.boolean(), note: z.string().trim().max(500).optional() }),
} as const;
export type ApiCaseAction = keyof typeof ACTION_BODIES;
export type ActionBody<A extends ApiCaseAction> = z.infer<(typeof ACTION_BODIES)[A]>;
export type AnyActionBody = { [A in ApiCaseAction]: ActionBody<A> }[ApiCaseAction];

export const CaseListQuery = z.strictObject({
  list: CaseList.default('all'),
  state: CaseState.optional(),
  categoryCode: CategoryCode.optional(),
  urgency: CaseUrgency.optional(),
  source: CaseSource.optional(),
  /** Cases that happened in this unit's subtree. */
  unitId: Id.optional(),
  /** A case number or words of the description. */
  q: z.string().trim().min(1).max(100).optional(),
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
  sort: z.enum(['newest', 'deadline']).default('newest'),
  ...Paging,
});
export type CaseListQuery = z.infer<typeof CaseListQuery>;

const UnitRef = z.object({ id: z.string(), name: z.string(), level: UnitLevel, code: z.string() });
const TimeLimit = z.object({ unit: z.enum(['working_hours', 'working_days', 'clock_hours']), amount: z.number() });

export const CaseCategoryView = z.object({
  code: z.string(),
  parentCode: z.string().nullable(),
  name: z.string(),
  limits: z.object({ accept: TimeLimit, handle: TimeLimit, verify: TimeLimit, urgentHandle: TimeLimit }),
  defaultLevel: z.enum(['grid', 'community', 'street']),
  departmentCode: z.string().nullable(),
});
export const CaseCategoryList = z.object({ items: z.array(CaseCategoryView) });

export const DepartmentView = z.object({ id: z.string(), code: z.string(), name: z.string(), unit: UnitRef });
export const DepartmentList = z.object({ items: z.array(DepartmentView) });

export const CaseSummary = z.object({
  id: z.string(),
  number: z.string(),
  category: z.object({ code: z.string(), name: z.string() }),
  description: z.string(),
  source: CaseSource,
  urgency: CaseUrgency,
  state: CaseState,
  stage: z.enum(['accept', 'handle', 'verify', 'rate']).nullable(),
  stageStartedAt: z.string().nullable(),
  stageDeadline: z.string().nullable(),
  /** Where the stage stands now: green, yellow from 80 % of its time, red past the deadline. */
  overdueLevel: z.enum(['green', 'yellow', 'red']),
  supervision: z.enum(['yellow', 'red']).nullable(),
  reopenCount: z.number(),
  address: z.string().nullable(),
  lng: z.number(),
  lat: z.number(),
  unit: UnitRef,
  handlingUnit: UnitRef,
  hotlineOrderNo: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CaseSummary = z.infer<typeof CaseSummary>;
export const CasePage = z.object({
  items: z.array(CaseSummary),
  /** Matching cases counted up to a cap (1 000); totalCapped says there are more. */
  total: z.number(),
  totalCapped: z.boolean(),
});

export const WorkOrderView = z.object({
  id: z.string(),
  assignee: z.union([
    z.object({ kind: z.literal('unit'), unit: UnitRef }),
    z.object({ kind: z.literal('department'), department: z.object({ id: z.string(), code: z.string(), name: z.string() }) }),
  ]),
  lead: z.boolean(),
  state: z.enum(['dispatched', 'claimed', 'done', 'returned', 'cancelled']),
  dispatchedAt: z.string(),
  dispatchedBy: z.string().nullable(),
  claimedAt: z.string().nullable(),
  claimedBy: z.string().nullable(),
  finishedAt: z.string().nullable(),
  note: z.string().nullable(),
});

export const CaseEventView = z.object({
  id: z.string(),
  occurredAt: z.string(),
  actor: z.string().nullable(),
  action: z.string(),
  fromState: CaseState.nullable(),
  toState: CaseState,
  note: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  /** The photos that came with this step. */
  attachmentIds: z.array(z.string()),
});

export const ATTACHMENT_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

/** An uploaded photo: what POST /api/attachments answers, and each photo of a case. */
export const AttachmentView = z.object({
  id: z.string(),
  /** Where the bytes are served (GET, same session). */
  url: z.string(),
  contentType: z.enum(ATTACHMENT_TYPES),
  byteSize: z.number(),
  width: z.number(),
  height: z.number(),
});
export type AttachmentView = z.infer<typeof AttachmentView>;

export const CaseAttachmentView = AttachmentView.omit({ byteSize: true }).extend({
  /** The timeline step it came with. */
  eventId: z.string().nullable(),
  createdAt: z.string(),
});
export type CaseAttachmentView = z.infer<typeof CaseAttachmentView>;
export const AttachmentIdParam = z.strictObject({ id: Id });

export const ExtensionRequestView = z.object({
  id: z.string(),
  amount: z.number(),
  unit: z.enum(['working_hours', 'working_days', 'clock_hours']),
  reason: z.string(),
  state: z.enum(['pending', 'approved', 'refused']),
  requestedAt: z.string(),
  decidedAt: z.string().nullable(),
  decisionNote: z.string().nullable(),
});

export const CaseDetail = CaseSummary.extend({
  version: z.number(),
  stageLimitUnit: z.enum(['working_hours', 'working_days', 'clock_hours']).nullable(),
  reporter: z.object({ name: z.string().nullable(), phone: z.string().nullable(), isMe: z.boolean() }),
  rating: Rating.nullable(),
  ratingComment: z.string().nullable(),
  ratedAt: z.string().nullable(),
  mergedInto: z.object({ id: z.string(), number: z.string() }).nullable(),
  hotlineDeadline: z.string().nullable(),
  closedAt: z.string().nullable(),
  timeline: z.array(CaseEventView),
  workOrders: z.array(WorkOrderView),
  extensionRequests: z.array(ExtensionRequestView),
  /** The photos of the case, oldest first. */
  attachments: z.array(CaseAttachmentView),
  /** What the caller may do to this case now: the buttons the page shows. */
  actions: z.array(CaseActionName),
});
export type CaseDetail = z.infer<typeof CaseDetail>;

/** The menu counts of the work lists, each counted up to 1 000 (a badge shows 99+ long before). */
export const CaseCounts = z.object(Object.fromEntries(CASE_LISTS.filter((l) => l !== 'all').map((l) => [l, z.number()])) as Record<Exclude<CaseList, 'all'>, z.ZodNumber>);
export type CaseCounts = z.infer<typeof CaseCounts>;

export const CaseIdParam = z.strictObject({ id: Id });
