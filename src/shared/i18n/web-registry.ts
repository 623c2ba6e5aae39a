/** Web UI text of the registry pages. */
const zh = {
};

const en: Record<keyof typeof zh, string> = {
};

export const webRegistry = { 'zh-CN': zh, en };
