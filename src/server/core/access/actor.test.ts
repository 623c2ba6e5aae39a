import { describe, expect, it } from 'vitest';
import { Actor, minimalScopes, pathWithin, type RoleBindingView } from './actor.js';
import { PermissionRegistry } from './permissions.js';
import type { Role } from '../../../shared/roles.js';

describe('pathWithin', () => {
  it('is true for the scope itself and its descendants', () => {
    expect(pathWithin('1.4', '1.4')).toBe(true);
    expect(pathWithin('1.4.57', '1.4')).toBe(true);
    expect(pathWithin('1.4.57.900', '1')).toBe(true);
  });

  it('is false for ancestors, siblings and label prefixes', () => {
    expect(pathWithin('1', '1.4')).toBe(false);
    expect(pathWithin('1.5', '1.4')).toBe(false);
    expect(pathWithin('1.45', '1.4')).toBe(false);
    expect(pathWithin('1.45.3', '1.4')).toBe(false);
    expect(pathWithin('11.4', '1')).toBe(false);
  });
});

describe('minimalScopes', () => {
  it('drops scopes inside another and duplicates, keeps disjoint ones', () => {
    expect(minimalScopes(['1.4.57', '1.4', '1.4', '1.5.9'])).toEqual(['1.4', '1.5.9']);
    expect(minimalScopes(['1.45', '1.4'])).toEqual(['1.4', '1.45']);
    expect(minimalScopes(['1.2.3', '1'])).toEqual(['1']);
    expect(minimalScopes([])).toEqual([]);
  });
});

describe('Actor', () => {
  const registry = new PermissionRegistry();
  registry.declare('unit.read', 'read units');
  registry.declare('unit.delete', 'delete units');
  registry.grant('community_staff', ['unit.read', 'unit.delete']);
  registry.grant('grid_worker', ['unit.read']);
  const binding = (role: Role, unitPath: string): RoleBindingView =>
    ({ id: unitPath, role, unitId: unitPath, unitPath, unitName: unitPath, unitLevel: 'grid' });
  const actor = new Actor('1', 'u', 'U', '1.2', 'zh-CN', [
    binding('community_staff', '1.2'), binding('grid_worker', '1.2.3'), binding('grid_worker', '1.9.1'),
  ], registry);

  it('scopes each permission by the bindings that grant it', () => {
    expect(actor.scopesFor('unit.read')).toEqual(['1.2', '1.9.1']);
    expect(actor.scopesFor('unit.delete')).toEqual(['1.2']);
    expect(actor.scopesFor('case.read')).toEqual([]);
    expect(actor.roles).toEqual(['community_staff', 'grid_worker']);
  });

  it('can() anywhere or at a path; canBelowRoot() excludes the scope root', () => {
    expect(actor.can('unit.read')).toBe(true);
    expect(actor.can('case.read')).toBe(false);
    expect(actor.can('unit.delete', '1.2.3.4')).toBe(true);
    expect(actor.can('unit.delete', '1.9.1')).toBe(false);
    expect(actor.can('unit.read', '1.9.1.5')).toBe(true);
    expect(actor.canBelowRoot('unit.delete', '1.2')).toBe(false);
    expect(actor.canBelowRoot('unit.delete', '1.2.3')).toBe(true);
    expect(() => actor.require('case.read')).toThrow();
    expect(actor.permissions()).toEqual(['unit.delete', 'unit.read']);
  });

  it('the registry refuses undeclared or twice-declared permissions', () => {
    const r = new PermissionRegistry();
    r.declare('a.b', 'x');
    expect(() => r.declare('a.b', 'y')).toThrow(/twice/);
    expect(() => r.grant('resident', ['a.c'])).toThrow(/never declared/);
  });
});
