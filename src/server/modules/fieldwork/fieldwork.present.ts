import type { Actor } from '../../core/access/actor.js';
import type { Locale } from '../../../shared/i18n/index.js';
import type { AttachmentView } from '../../../shared/cases.schemas.js';
import type * as S from '../../../shared/fieldwork.schemas.js';
import type { UnitLevel } from '../../core/db/index.js';
import { visibleTags } from '../registry/tags.queries.js';
import { P } from './fieldwork.policy.js';
import type * as Q from './fieldwork.queries.js';
import type { HouseholdStatus } from './fieldwork.service.js';

/** The fields of field work records that leave the server, listed one by one. */

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const unitRef = (id: string, name: string, level: string, code: string) => ({ id, name, level: level as UnitLevel, code });

export function presentRule(actor: Actor, r: Q.RuleRow): S.VisitRuleView {
  return {
    id: r.id, unit: unitRef(r.unitId, r.unitName, r.unitLevel, r.unitCode), name: r.name, kind: r.kind, tagCode: r.tagCode,
    intervalDays: r.intervalDays, perDay: r.perDay, active: r.active, version: r.version, updatedAt: r.updatedAt.toISOString(),
    abilities: { update: actor.can(P.configure, r.unitPath) },
  };
}

export function presentStatus(actor: Actor, h: HouseholdStatus, locale: Locale): S.HouseholdVisitStatus {
  return {
    householdId: h.id, room: h.room, buildingId: h.building_id, buildingName: h.building_name,
    tags: visibleTags(actor, h.unit_path, h.visibleTags, locale),
    intervalDays: h.status.intervalDays, lastVisitAt: iso(h.status.lastVisitAt), nextDueDate: h.status.nextDueDate,
    state: h.status.state, daysOverdue: h.status.daysOverdue, special: h.status.special,
  };
}

export function presentVisit(v: Q.VisitRow): S.VisitView {
  const changes = (v.changes ?? {}) as { residents?: string[]; household?: string[] };
  return {
    id: v.id, householdId: v.household_id, room: v.room, buildingId: v.building_id, buildingName: v.building_name,
    visitor: { id: v.visitor_id, name: v.visitor_name }, kind: v.kind, occurredAt: v.occurred_at.toISOString(),
    metResidents: v.met, metOthers: v.met_others, nobodyHome: v.nobody_home, findings: v.findings, caseId: v.case_id,
    followUp: v.follow_up, lng: v.lng, lat: v.lat,
    changes: { residents: changes.residents ?? [], household: changes.household ?? [] },
    createdAt: v.created_at.toISOString(),
  };
}

/** A patrol, with its photos (the map from photosOf; none when absent). */
export function presentPatrol(p: Q.PatrolRow, photos: Map<string, AttachmentView[]>) {
  return {
    id: p.id, unit: unitRef(p.unit_id, p.unit_name, p.unit_level, p.unit_code), worker: { id: p.worker_id, name: p.worker_name },
    startedAt: p.started_at.toISOString(), endedAt: p.ended_at.toISOString(),
    minutes: Math.round((p.ended_at.getTime() - p.started_at.getTime()) / 60_000),
    distanceM: p.distance_m, pointCount: p.point_count, notes: p.notes, casesFound: p.cases_found,
    photos: photos.get(p.id) ?? [],
  };
}

/** A diary entry, with its photos (the map from photosOf; none when absent). */
export function presentDiary(d: Q.DiaryRow, photos: Map<string, AttachmentView[]>) {
  return {
    id: d.id, unit: unitRef(d.unit_id, d.unit_name, d.unit_level, d.unit_code), author: { id: d.author_id, name: d.author_name },
    occurredAt: d.occurred_at.toISOString(), body: d.body,
    household: d.household_id ? { id: d.household_id, room: d.household_room ?? '', buildingName: d.household_building_name ?? '' } : null,
    building: d.building_id ? { id: d.building_id, name: d.building_name ?? '' } : null,
    residents: d.people, lng: d.lng, lat: d.lat, photos: photos.get(d.id) ?? [], createdAt: d.created_at.toISOString(),
  };
}
