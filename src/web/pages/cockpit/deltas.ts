/**
 * How a KPI moved against a comparison period, and whether that is good news: a rising rate is good,
 * a rising time to close or count of overdue cases bad, the volume of reports neither.
 */
export type Better = 'up' | 'down' | 'neither';
export type Kind = 'rate' | 'count' | 'hours';

export interface Delta {
  /** Percentage points for a rate, per cent change for a count or hours; null when there is no base. */
  value: number | null;
  direction: 'up' | 'down' | 'flat';
  tone: 'good' | 'bad' | 'neutral';
}

export function delta(now: number | null, before: number | null, kind: Kind, better: Better): Delta {
  if (now === null || before === null || (kind !== 'rate' && before === 0)) return { value: null, direction: 'flat', tone: 'neutral' };
  const value = kind === 'rate' ? Math.round((now - before) * 1000) / 10 : Math.round(((now - before) / before) * 1000) / 10;
  const direction = value > 0 ? 'up' : value < 0 ? 'down' : 'flat';
  const tone = direction === 'flat' || better === 'neither' ? 'neutral' : direction === better ? 'good' : 'bad';
  return { value, direction, tone };
}

/** A rate as a percentage with one decimal, or a dash. */
export function percent(r: number | null): string {
  return r === null ? '—' : `${(Math.round(r * 1000) / 10).toFixed(1)}%`;
}

/** The colour a delta's tone is shown in. */
export const TONE_COLOUR: Record<Delta['tone'], string> = { good: '#389e0d', bad: '#cf1322', neutral: '#8c8c8c' };
