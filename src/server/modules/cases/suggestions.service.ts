import type { AppContext } from '../../core/context.js';
import type { Executor } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { forbidden, invalid, notFound } from '../../core/http/errors.js';
import type { Locale } from '../../../shared/i18n/index.js';
import {
  DUPLICATE_LIMIT, DUPLICATE_RADIUS_M, DUPLICATE_WINDOW_DAYS,
  type DispatchTargets, type DuplicateList, type HandlerSuggestion, type LikelyDuplicateList, type LikelyDuplicatesInput,
  type Suggestion, type SuggestInput,
} from '../../../shared/case-suggestions.schemas.js';
import { locatePoint } from '../hierarchy/hierarchy.service.js';
import { presentSummary } from './cases.routes.js';
import { P } from './cases.policy.js';
import * as Q from './cases.queries.js';
import * as SQ from './suggestions.queries.js';
import { nearbyOpen } from './duplicates.queries.js';
import { TfIdfKnn, type TextClassifier } from './suggest.js';

/** Below this many closed cases a community borrows its street's model, then its district's. */
export const MIN_CLOSED_CASES = 30;
/** A model learns from at most this many of the most recently closed cases. */
export const MAX_TRAINING_CASES = 5000;
/**
 * How many examples the models kept in memory may hold together (least recently used dropped
 * first): about 0.6 kB each in the kNN index, so some 250 MB at most.
 */
const CACHE_EXAMPLES = 200_000;
const TOP = 3;

/**
 * The classifier the suggestion uses: TF-IDF k nearest neighbours. Measured against naive Bayes on
 * generated descriptions (bench/dispatch-suggestion.ts, results in bench/results/): kNN is right
 * more often at every community size (category top-1 0.89 vs 0.76 at 1 000 closed cases, 0.66 vs
 * 0.48 at 200) for a few milliseconds per suggestion.
 */
export const newClassifier = (): TextClassifier => new TfIdfKnn(15);

interface Model {
  stamp: string;
  count: number;
  unit: Q.UnitRef;
  categories: TextClassifier;
  handlers: TextClassifier;
  trainedInMs: number;
}

/**
 * The models learnt from the closed cases of a unit's subtree, by unit id, with the stamp they were
 * learnt at. Per process; the stamp read before each use makes every process retrain when a case
 * closes, so several servers stay consistent without talking to each other.
 */
const cache = new Map<string, Model>();
const training = new Map<string, Promise<Model>>();

/** Forget every learnt model (the benchmark times training from cold). */
export function clearModelCache(): void {
  cache.clear();
}

const stampOf = (s: { count: number; last: Date | null }) => `${s.count}:${s.last?.toISOString() ?? '-'}`;
const handlerLabel = (kind: 'unit' | 'department', id: string) => `${kind}:${id}`;
/**
 * A case handled by the grid it happened in is learnt as "its own grid", not as that grid's id: the
 * description does not say which grid (the place does), so a rubbish case in any grid of the
 * community teaches "rubbish → the grid it is in".
 */
const OWN_PLACE = 'unit:own';

async function train(db: Executor, unit: Q.UnitRef, stamp: string): Promise<Model> {
  const t0 = performance.now();
  const rows = await SQ.trainingCases(db, unit.path, MAX_TRAINING_CASES);
  const categories = newClassifier();
  const handlers = newClassifier();
  for (const r of rows) {
    categories.add(r.description, r.category_code);
    if (r.handler_kind && r.handler_id) handlers.add(r.description, r.handler_is_place ? OWN_PLACE : handlerLabel(r.handler_kind, r.handler_id));
  }
  return { stamp, count: rows.length, unit, categories, handlers, trainedInMs: performance.now() - t0 };
}

async function modelAt(db: Executor, unit: Q.UnitRef, stamp: string): Promise<Model> {
  const cached = cache.get(unit.id);
  if (cached && cached.stamp === stamp) {
    cache.delete(unit.id);
    cache.set(unit.id, cached);
    return cached;
  }
  const key = `${unit.id}@${stamp}`;
  let pending = training.get(key);
  if (!pending) {
    pending = train(db, unit, stamp).finally(() => training.delete(key));
    training.set(key, pending);
  }
  const model = await pending;
  cache.delete(unit.id);
  cache.set(unit.id, model);
  let held = 0;
  for (const m of cache.values()) held += m.categories.size + m.handlers.size;
  for (const [id, m] of cache) {
    if (held <= CACHE_EXAMPLES || id === unit.id) break;
    cache.delete(id);
    held -= m.categories.size + m.handlers.size;
  }
  return model;
}

/**
 * The model for a place: its community's, or — with fewer than MIN_CLOSED_CASES closed there — its
 * street's, then its district's (the last one asked is used whatever its size).
 */
export async function modelFor(db: Executor, placePath: string): Promise<Model | null> {
  const chain = (await SQ.ancestorsOf(db, placePath)).reverse();
  if (!chain.length) return null;
  for (let i = 0; i < chain.length; i++) {
    const stamp = await SQ.closedStamp(db, chain[i]!.path);
    if (stamp.count >= MIN_CLOSED_CASES || i === chain.length - 1) return modelAt(db, chain[i]!, stampOf(stamp));
  }
  return null;
}

/** The time the last model was trained for a place (for the benchmark). */
export async function trainingTimeFor(db: Executor, placePath: string): Promise<{ ms: number; count: number } | null> {
  const m = await modelFor(db, placePath);
  return m ? { ms: m.trainedInMs, count: m.count } : null;
}

const nameIn = (locale: Locale, zh: string, en: string) => (locale === 'en' ? en : zh);

/** Units and departments a dispatcher of a case handled at `handlingPath` may dispatch to now. */
export async function targetsFor(db: Executor, handlingPath: string, locale: Locale): Promise<DispatchTargets> {
  const [units, departments] = await Promise.all([SQ.dispatchableUnits(db, handlingPath), Q.departmentsServing(db, handlingPath)]);
  return {
    units: units.map((u) => ({ id: u.id, name: u.name, level: u.level, code: u.code })),
    departments: departments.map((d) => ({
      id: d.id, code: d.code, name: nameIn(locale, d.name_zh, d.name_en),
      unit: { id: d.unit_id, name: d.unit_name, level: d.unit_level, code: d.unit_code },
    })),
  };
}

/** Whom a case may be dispatched to, given the likeliest category (the level a new case starts at); null: no handlers. */
type TargetsOf = (top: { code: string; default_level: 'grid' | 'community' | 'street' } | undefined) => Promise<DispatchTargets | null>;

/**
 * The suggestion for a description at a place (`place` the unit it happened in); handlers only
 * among the targets (none: no handlers), a confidence shared by the same target learnt two ways adds up.
 */
async function suggest(db: Executor, description: string, place: { id: string; path: string }, targetsOf: TargetsOf, locale: Locale): Promise<Suggestion> {
  const placePath = place.path;
  const [model, categories] = await Promise.all([modelFor(db, placePath), SQ.activeCategories(db)]);
  if (!model) return { categories: [], handlers: [], trainedOn: { count: 0, unit: null } };
  const cats = model.categories.predict(description, Infinity)
    .filter((p) => categories.has(p.label)).slice(0, TOP)
    .map((p) => { const c = categories.get(p.label)!; return { code: p.label, name: nameIn(locale, c.name_zh, c.name_en), confidence: p.confidence }; });
  let handlers: HandlerSuggestion[] = [];
  const top = cats[0] ? { code: cats[0].code, default_level: categories.get(cats[0].code)!.default_level } : undefined;
  const targets = await targetsOf(top);
  if (targets) {
    const valid = new Map<string, Omit<HandlerSuggestion, 'confidence'>>();
    for (const u of targets.units) valid.set(handlerLabel('unit', u.id), { kind: 'unit', id: u.id, name: u.name, level: u.level });
    for (const d of targets.departments) valid.set(handlerLabel('department', d.id), { kind: 'department', id: d.id, name: d.name });
    const byTarget = new Map<string, number>();
    for (const p of model.handlers.predict(description, Infinity)) {
      const label = p.label === OWN_PLACE ? handlerLabel('unit', place.id) : p.label;
      if (valid.has(label)) byTarget.set(label, (byTarget.get(label) ?? 0) + p.confidence);
    }
    handlers = [...byTarget].sort((a, b) => b[1] - a[1]).slice(0, TOP)
      .map(([label, confidence]) => ({ ...valid.get(label)!, confidence }));
  }
  const u = model.unit;
  return { categories: cats, handlers, trainedOn: { count: model.count, unit: { id: u.id, name: u.name, level: u.level, code: u.code } } };
}

/**
 * Suggest while a report is typed. The place: the point (placed in its grid), else the unit given,
 * else the caller's own unit; it must lie in the caller's report or read scope. Handlers only when
 * the caller may dispatch a case of the likeliest category there (it starts at that category's level).
 */
export async function suggestForReport(ctx: AppContext, actor: Actor, input: SuggestInput, locale: Locale): Promise<Suggestion> {
  const db = ctx.db;
  const reach = (path: string) => actor.can(P.report, path) || actor.can(P.read, path);
  let place: { id: string; path: string } | undefined;
  if (input.lng !== undefined || input.lat !== undefined) {
    if (input.lng === undefined || input.lat === undefined) throw invalid(input.lng === undefined ? 'lng' : 'lat', 'suggest.point_pair');
    const placed = await locatePoint(db, input.lng, input.lat);
    const unit = placed.grid ?? placed.unit;
    if (!unit) throw invalid('lng', 'case.not_in_grid');
    if (!reach(unit.path)) throw invalid('lng', 'case.outside_report_scope');
    place = unit;
  } else if (input.unitId) {
    const unit = await Q.unitById(db, input.unitId);
    if (!unit || !reach(unit.path)) throw invalid('unitId', 'suggest.unit_not_found');
    place = unit;
  } else {
    place = await SQ.unitByPath(db, actor.unitPath);
    if (!place) throw notFound();
  }
  const at = place;
  return suggest(db, input.description, place, async (top) => {
    if (!top || !actor.can(P.dispatch)) return null;
    const handling = (await Q.ancestorAt(db, at.path, top.default_level)) ?? at;
    return actor.can(P.dispatch, handling.path) ? targetsFor(db, handling.path, locale) : null;
  }, locale);
}

/** A case the caller can see, or 404. */
async function visibleCase(ctx: AppContext, actor: Actor, id: string) {
  const departmentIds = await Q.departmentIdsOf(ctx.db, actor);
  const c = await Q.findVisibleCase(ctx.db, actor, departmentIds, id);
  if (!c) throw notFound();
  return { c, departmentIds };
}

/** The suggestion for a case: categories for anyone who sees it, handlers for its dispatchers. */
export async function suggestForCase(ctx: AppContext, actor: Actor, id: string, locale: Locale): Promise<Suggestion> {
  const { c } = await visibleCase(ctx, actor, id);
  const targets = actor.can(P.dispatch, c.handling_path) ? targetsFor(ctx.db, c.handling_path, locale) : Promise.resolve(null);
  targets.catch(() => {}); // awaited in suggest; not an unhandled rejection meanwhile
  return suggest(ctx.db, c.description, { id: c.unit_id, path: c.unit_path }, () => targets, locale);
}

/** Whom the caller may dispatch a case to now: 404 when they cannot see it, 403 when they are not its dispatcher. */
export async function dispatchTargets(ctx: AppContext, actor: Actor, id: string, locale: Locale): Promise<DispatchTargets> {
  const { c } = await visibleCase(ctx, actor, id);
  if (!actor.can(P.dispatch, c.handling_path)) throw forbidden();
  return targetsFor(ctx.db, c.handling_path, locale);
}

const windowStart = (now: Date) => new Date(now.getTime() - DUPLICATE_WINDOW_DAYS * 86_400_000);
const metres = (m: number) => Math.round(m);

/** Likely duplicates of a case: open, same category, near, recent, that the caller can see; nearest first. */
export async function duplicatesOf(ctx: AppContext, actor: Actor, id: string, locale: Locale): Promise<DuplicateList> {
  const { c, departmentIds } = await visibleCase(ctx, actor, id);
  const now = ctx.clock.now();
  const rows = await nearbyOpen(ctx.db, {
    categoryId: c.category_id, lng: c.lng, lat: c.lat, radiusM: DUPLICATE_RADIUS_M, since: windowStart(now), limit: DUPLICATE_LIMIT,
    excludeId: c.id, only: Q.visibleTo(actor, departmentIds),
  });
  return { items: rows.map((r) => ({ distanceM: metres(r.distance_m), case: presentSummary(r, locale, now) })) };
}

/**
 * Likely duplicates before a report is sent. Every open case of the category nearby counts, but one
 * outside what the caller may see shows only its number, category, state, distance and date — no
 * description, no reporter, no place name.
 */
export async function likelyDuplicates(ctx: AppContext, actor: Actor, input: LikelyDuplicatesInput, locale: Locale): Promise<LikelyDuplicateList> {
  const category = await Q.findActiveCategory(ctx.db, input.categoryCode);
  if (!category) throw invalid('categoryCode', 'case.category_unknown');
  const departmentIds = await Q.departmentIdsOf(ctx.db, actor);
  const now = ctx.clock.now();
  const rows = await nearbyOpen(ctx.db, {
    categoryId: category.id, lng: input.lng, lat: input.lat, radiusM: DUPLICATE_RADIUS_M, since: windowStart(now), limit: DUPLICATE_LIMIT,
    flag: Q.visibleTo(actor, departmentIds),
  });
  return {
    items: rows.map((r) => ({
      number: r.number,
      category: { code: r.category_code, name: nameIn(locale, r.category_name_zh, r.category_name_en) },
      state: r.state,
      distanceM: metres(r.distance_m),
      reportedAt: r.created_at.toISOString(),
      case: r.visible ? presentSummary(r, locale, now) : null,
    })),
  };
}
