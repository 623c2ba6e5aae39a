import { distanceM } from './checklist.js';

/**
 * A patrol's route as the phone recorded it, cleaned and thinned, pure: points in time order; the
 * glitches left out (a fix that jumped further than a car could go since the last good one, beyond
 * what a phone's position is good to anyway); the distance walked — every segment between two
 * consecutive accepted points, kept for the map or not —; and the points kept for the map: one at
 * least every MIN_STEP_M metres or MIN_STEP_MS, the first and the last accepted always, at most `keep`.
 */

export type Point = [number, number, number];

const MIN_STEP_M = 10;
const MIN_STEP_MS = 60_000;
/** 30 m/s (108 km/h): faster than this between two fixes is a glitch, not a walk … */
const MAX_SPEED_MPS = 30;
/** … beyond this many metres, which a phone's fix may be off by anyway (two quick fixes 48 m apart are a walk). */
const FIX_SLACK_M = 50;

export function cleanRoute(points: readonly Point[], keep: number): { route: Point[]; distanceM: number } {
  const sorted = [...points].sort((a, b) => a[2] - b[2]);
  const at = (p: Point) => ({ lng: p[0], lat: p[1] });
  // The accepted points, each measured from the last accepted one (a glitch is skipped, not measured).
  const accepted: Point[] = [];
  let distance = 0;
  for (const p of sorted) {
    const prev = accepted[accepted.length - 1];
    if (prev) {
      const d = distanceM(at(prev), at(p));
      const seconds = Math.max(0, (p[2] - prev[2]) / 1000);
      if (d > MAX_SPEED_MPS * seconds + FIX_SLACK_M) continue;
      distance += d;
    }
    accepted.push(p);
  }
  const kept: Point[] = [];
  for (let i = 0; i < accepted.length; i++) {
    const p = accepted[i]!;
    const last = kept[kept.length - 1];
    if (!last || i === accepted.length - 1
      || distanceM(at(last), at(p)) >= MIN_STEP_M
      || p[2] - last[2] >= MIN_STEP_MS) kept.push(p);
  }
  let route = kept;
  if (route.length > keep) {
    // Evenly spread, the first and the last included.
    const step = (route.length - 1) / Math.max(1, keep - 1);
    route = Array.from({ length: keep }, (_, i) => kept[Math.round(i * step)]!);
  }
  return { route, distanceM: Math.round(distance) };
}
