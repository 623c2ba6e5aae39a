/** audit messages (server and web). */
const zh = {
};

const en: Record<keyof typeof zh, string> = {
};

export const audit = { 'zh-CN': zh, en };
