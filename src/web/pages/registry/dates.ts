import dayjs, { type Dayjs } from 'dayjs';

/** Calendar dates (YYYY-MM-DD) to and from the date pickers. */
export const toDay = (s: string | null | undefined): Dayjs | undefined => (s ? dayjs(s, 'YYYY-MM-DD') : undefined);
export const fromDay = (d: Dayjs | null | undefined): string | null => (d ? d.format('YYYY-MM-DD') : null);
export const today = (): Dayjs => dayjs();
/** For DatePicker's disabledDate: nothing after today. */
export const afterToday = (d: Dayjs): boolean => d.isAfter(dayjs(), 'day');
