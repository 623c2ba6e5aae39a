import { z } from 'zod';
import { Id, IdParam, Paging } from './registry/common.schemas.js';

/** The inbox: unread first, newest first; `unread=true` keeps only the unread. */
export const NotificationListQuery = z.strictObject({
  ...Paging,
  unread: z.enum(['true', 'false']).optional(),
});
export type NotificationListQuery = z.infer<typeof NotificationListQuery>;

export const NotificationView = z.object({
  id: Id,
  kind: z.string(),
  /** Rendered in the reader's language. */
  message: z.string(),
  case: z.object({ id: Id, number: z.string() }).nullable(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
export type NotificationView = z.infer<typeof NotificationView>;

export const NotificationPage = z.object({
  items: z.array(NotificationView),
  total: z.number().int(),
  unread: z.number().int(),
});
export type NotificationPage = z.infer<typeof NotificationPage>;

export const NotificationIdParam = IdParam;
export const ReadAllResult = z.object({ updated: z.number().int(), unread: z.number().int() });
