/** hierarchy messages (server and web). */
const zh = {
};

const en: Record<keyof typeof zh, string> = {
};

export const hierarchy = { 'zh-CN': zh, en };
