import { useEffect } from 'react';
import type { FormInstance } from 'antd';

/**
 * Start a dialog's form afresh each time it opens: a form instance outlives the dialog's content,
 * and what was typed last time (or the record edited last time) must not carry over.
 */
export function useFormReset<T>(form: FormInstance<T>, openedFor: unknown, values?: Partial<T>): void {
  useEffect(() => {
    if (!openedFor) return;
    form.resetFields();
    if (values) form.setFieldsValue(values as never);
    // Only when the dialog opens for another record.
  }, [openedFor]);
}
