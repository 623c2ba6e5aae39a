import type { App, FormInstance } from 'antd';
import { ApiError } from '../api/client.js';

export type MessageApi = ReturnType<typeof App.useApp>['message'];

/**
 * Show an API error where it belongs: on the form field it names (when the form has that field),
 * otherwise as a message toast. Nested fields ("boundary.coordinates.0") go to their first part.
 * `fields` lists the form's fields, or maps the server's field names to the form's.
 */
export function showApiError(
  error: unknown, message: MessageApi, form?: FormInstance, fields?: readonly string[] | Readonly<Record<string, string>>,
): void {
  const formFields = !fields ? [] : Array.isArray(fields) ? [...fields] as string[] : [...new Set(Object.values(fields as Record<string, string>))];
  // An error from an earlier attempt no longer holds.
  if (form && formFields.length) form.setFields(formFields.map((name) => ({ name, errors: [] })));
  if (error instanceof ApiError) {
    const field = error.field?.split('.')[0];
    const target = !field || !fields ? undefined : Array.isArray(fields) ? (fields.includes(field) ? field : undefined) : (fields as Record<string, string>)[field];
    if (form && target) {
      form.setFields([{ name: target, errors: [error.message] }]);
      return;
    }
    void message.error(error.message);
    return;
  }
  void message.error(error instanceof Error ? error.message : String(error));
}
