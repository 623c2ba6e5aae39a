import { describe, expect, it } from 'vitest';
import { delta, percent } from './deltas.js';

describe('cockpit deltas', () => {
  it('a rising rate is good, in percentage points', () => {
    expect(delta(0.9, 0.8, 'rate', 'up')).toEqual({ value: 10, direction: 'up', tone: 'good' });
    expect(delta(0.7, 0.8, 'rate', 'up')).toEqual({ value: -10, direction: 'down', tone: 'bad' });
  });
  it('a rising time to close is bad, in per cent', () => {
    expect(delta(30, 20, 'hours', 'down')).toEqual({ value: 50, direction: 'up', tone: 'bad' });
    expect(delta(10, 20, 'hours', 'down')).toEqual({ value: -50, direction: 'down', tone: 'good' });
  });
  it('volume is neither; no base is no delta', () => {
    expect(delta(12, 10, 'count', 'neither')).toEqual({ value: 20, direction: 'up', tone: 'neutral' });
    expect(delta(5, 0, 'count', 'neither').value).toBeNull();
    expect(delta(null, 0.5, 'rate', 'up').value).toBeNull();
    expect(delta(0.5, 0.5, 'rate', 'up')).toEqual({ value: 0, direction: 'flat', tone: 'neutral' });
  });
  it('percentages', () => {
    expect(percent(2 / 3)).toBe('66.7%');
    expect(percent(null)).toBe('—');
  });
});
