/** users messages (server and web). */
const zh = {
};

const en: Record<keyof typeof zh, string> = {
};

export const users = { 'zh-CN': zh, en };
