import type { ModuleManifest } from '../core/module.js';
import { hierarchyModule } from './hierarchy/hierarchy.module.js';
import { usersModule } from './users/users.module.js';
import { auditModule } from './audit/audit.module.js';
import { registryModule } from './registry/registry.module.js';
import { casesModule } from './cases/cases.module.js';
import { open311Module } from './open311/open311.module.js';
import { caseSettingsModule } from './case-settings/case-settings.module.js';
import { notificationsModule } from './notifications/notifications.module.js';
import { hotlineModule } from './hotline/hotline.module.js';
import { fieldworkModule } from './fieldwork/fieldwork.module.js';
import { cockpitModule } from './cockpit/cockpit.module.js';

/** Every feature of Linli. Add a module here and the core picks up its routes and permissions. */
export const modules: ModuleManifest[] = [hierarchyModule, usersModule, auditModule, registryModule, casesModule, caseSettingsModule, notificationsModule, open311Module, hotlineModule, fieldworkModule, cockpitModule];
