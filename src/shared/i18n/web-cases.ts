/** web-cases messages. */
const zh = {
};

const en: Record<keyof typeof zh, string> = {
};

export const webCases = { 'zh-CN': zh, en };
