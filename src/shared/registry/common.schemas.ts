import { z } from 'zod';
import { UnitLevel } from '../hierarchy.schemas.js';

export const Id = z.string().regex(/^\d{1,18}$/);
export const IdParam = z.strictObject({ id: Id });
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const UnitRef = z.object({ id: z.string(), name: z.string(), level: UnitLevel, code: z.string() });

export const TagView = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  color: z.string(),
  sensitive: z.boolean(),
  appliesTo: z.enum(['resident', 'household', 'both']),
});
export type TagView = z.infer<typeof TagView>;

export const TagList = z.object({ items: z.array(TagView) });

export const CreateTagInput = z.strictObject({
  code: z.string().regex(/^[a-z][a-z0-9_]{1,40}$/),
  nameZh: z.string().trim().min(1).max(20),
  nameEn: z.string().trim().min(1).max(40),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/),
  sensitive: z.boolean().default(false),
  appliesTo: z.enum(['resident', 'household', 'both']).default('resident'),
  sortOrder: z.number().int().min(0).max(10_000).default(0),
});
export const UpdateTagInput = z.strictObject({
  nameZh: z.string().trim().min(1).max(20).optional(),
  nameEn: z.string().trim().min(1).max(40).optional(),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional(),
  sensitive: z.boolean().optional(),
  isActive: z.boolean().optional(),
  sortOrder: z.number().int().min(0).max(10_000).optional(),
});

export const Paging = {
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
};
