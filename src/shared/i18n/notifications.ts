/** notifications messages. */
const zh = {
};

const en: Record<keyof typeof zh, string> = {
};

export const notifications = { 'zh-CN': zh, en };
