import { z } from 'zod';
import { Id, UnitRef } from './registry/common.schemas.js';
import { UnitLevel } from './hierarchy.schemas.js';
import { CaseState, CaseSummary, DepartmentView } from './cases.schemas.js';

/**
 * Dispatch suggestion (智能派单建议), likely duplicates (疑似重复) and dispatch targets of a case.
 * A suggestion is learnt from the cases closed in the community (or its street, its district when it
 * has closed too few); confidences are shares of probability over every label it knows.
 */

const CategoryCode = z.string().regex(/^[a-z][a-z0-9_]{1,40}(\.[a-z][a-z0-9_]{1,40})?$/);

/** Suggest from a description being typed: where (a point, or a unit; else the caller's own unit). */
export const SuggestInput = z.strictObject({
  description: z.string().trim().min(1).max(2000),
  lng: z.number().min(-180).max(180).optional(),
  lat: z.number().min(-90).max(90).optional(),
  unitId: Id.optional(),
});
export type SuggestInput = z.infer<typeof SuggestInput>;

export const CategorySuggestion = z.object({ code: z.string(), name: z.string(), confidence: z.number() });
export const HandlerSuggestion = z.object({
  kind: z.enum(['unit', 'department']),
  id: z.string(),
  name: z.string(),
  /** A unit's level. */
  level: UnitLevel.optional(),
  confidence: z.number(),
});
export type HandlerSuggestion = z.infer<typeof HandlerSuggestion>;

export const Suggestion = z.object({
  categories: z.array(CategorySuggestion),
  /** Only for a caller who may dispatch there, and only valid dispatch targets. */
  handlers: z.array(HandlerSuggestion),
  /** How many closed cases taught it, and whose (the community, or its street or district). */
  trainedOn: z.object({ count: z.number(), unit: UnitRef.nullable() }),
});
export type Suggestion = z.infer<typeof Suggestion>;

/** Whom a dispatcher of the case may dispatch to now: units of the handling unit's subtree, departments serving it. */
export const DispatchTargets = z.object({
  units: z.array(UnitRef),
  departments: z.array(DepartmentView),
});
export type DispatchTargets = z.infer<typeof DispatchTargets>;

/** Open cases of the same category near a case, nearest first, that the caller can see. */
export const DuplicateList = z.object({
  items: z.array(z.object({ distanceM: z.number(), case: CaseSummary })),
});
export type DuplicateList = z.infer<typeof DuplicateList>;

export const LikelyDuplicatesInput = z.strictObject({
  categoryCode: CategoryCode,
  lng: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
});
export type LikelyDuplicatesInput = z.infer<typeof LikelyDuplicatesInput>;

/** A likely duplicate before reporting: everyone sees these facts; `case` only when in the caller's scope. */
export const LikelyDuplicate = z.object({
  number: z.string(),
  category: z.object({ code: z.string(), name: z.string() }),
  state: CaseState,
  distanceM: z.number(),
  reportedAt: z.string(),
  case: CaseSummary.nullable(),
});
export const LikelyDuplicateList = z.object({ items: z.array(LikelyDuplicate) });
export type LikelyDuplicateList = z.infer<typeof LikelyDuplicateList>;

/** How near and how recent a case must be to count as a likely duplicate. */
export const DUPLICATE_RADIUS_M = 150;
export const DUPLICATE_WINDOW_DAYS = 30;
export const DUPLICATE_LIMIT = 5;
