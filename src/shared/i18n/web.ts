const zh = {} as const;
const en: Record<keyof typeof zh, string> = {};
export const web = { "zh-CN": zh, en };
