/** Registry import and export messages (server and web). */
const zh = {
};

const en: Record<keyof typeof zh, string> = {
};

export const importExport = { 'zh-CN': zh, en };
