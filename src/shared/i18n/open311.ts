/** open311 messages. */
const zh = {
};

const en: Record<keyof typeof zh, string> = {
};

export const open311 = { 'zh-CN': zh, en };
