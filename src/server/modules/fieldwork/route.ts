import { distanceM } from './checklist.js';

/**
 * A patrol's route as the phone recorded it, cleaned and thinned, pure: points in time order, the
 * distance walked (jumps faster than a car — GPS glitches — are left out of it), and the points kept:
 * one at least every MIN_STEP_M metres or MIN_STEP_MS, the first and last always, at most `keep`.
 */

export type Point = [number, number, number];

const MIN_STEP_M = 10;
const MIN_STEP_MS = 60_000;
/** 30 m/s (108 km/h): faster than this between two fixes is a glitch, not a walk. */
const MAX_SPEED_MPS = 30;

export function cleanRoute(points: readonly Point[], keep: number): { route: Point[]; distanceM: number } {
  const sorted = [...points].sort((a, b) => a[2] - b[2]);
  let distance = 0;
  let prev: Point | null = null;
  for (const p of sorted) {
    if (prev) {
      const d = distanceM({ lng: prev[0], lat: prev[1] }, { lng: p[0], lat: p[1] });
      const seconds = (p[2] - prev[2]) / 1000;
      if (d <= MAX_SPEED_MPS * Math.max(seconds, 1)) distance += d;
      else continue; // a glitch: skip the point, measure the next one from the last good fix
    }
    prev = p;
  }
  const kept: Point[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    const last = kept[kept.length - 1];
    if (!last || i === sorted.length - 1
      || distanceM({ lng: last[0], lat: last[1] }, { lng: p[0], lat: p[1] }) >= MIN_STEP_M
      || p[2] - last[2] >= MIN_STEP_MS) kept.push(p);
  }
  let route = kept;
  if (route.length > keep) {
    const step = (route.length - 1) / (keep - 1);
    route = Array.from({ length: keep }, (_, i) => kept[Math.round(i * step)]!);
  }
  return { route, distanceM: Math.round(distance) };
}
