import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import * as S from '../../../shared/registry/import.schemas.js';
import { P } from './registry.policy.js';
import { sendStreamedFile } from '../../core/http/download.js';
import { exportBuildings, exportOrganisations, exportResidents, exportSpecialGroups } from './export.service.js';

/** The registry's ledgers (台账) as xlsx, each audited. A HEAD would run (and audit) an export for nothing. */
export function exportRoutes(api: Api, ctx: AppContext): void {
  const tags = ['registry'];

  api.get('/registry/exports/residents', {
    config: { permission: P.export },
    exposeHeadRoute: false,
    schema: {
      tags, summary: 'Residents of a subtree (optionally with all of some tags) as xlsx, in the import template’s columns; ID numbers and phones masked unless you may reveal them',
      querystring: S.ResidentsExportQuery,
    },
  }, async (req, reply) => sendStreamedFile(req, reply, await exportResidents(ctx, actorOf(req), auditContext(req), req.locale, req.query)));

  api.get('/registry/exports/special-groups', {
    config: { permission: P.export },
    exposeHeadRoute: false,
    schema: { tags, summary: 'The special-groups ledger (空巢、独居、高龄、残疾、低保、退役军人) with the responsible grid workers', querystring: S.UnitExportQuery },
  }, async (req, reply) => sendStreamedFile(req, reply, await exportSpecialGroups(ctx, actorOf(req), auditContext(req), req.locale, req.query)));

  api.get('/registry/exports/buildings', {
    config: { permission: P.export },
    exposeHeadRoute: false,
    schema: { tags, summary: 'The buildings ledger with entrances, households and residents counted', querystring: S.UnitExportQuery },
  }, async (req, reply) => sendStreamedFile(req, reply, await exportBuildings(ctx, actorOf(req), auditContext(req), req.locale, req.query)));

  api.get('/registry/exports/organisations', {
    config: { permission: P.export },
    exposeHeadRoute: false,
    schema: { tags, summary: 'The organisations ledger (企事业单位、商户、社会组织)', querystring: S.UnitExportQuery },
  }, async (req, reply) => sendStreamedFile(req, reply, await exportOrganisations(ctx, actorOf(req), auditContext(req), req.locale, req.query)));
}
