/** audit messages (server and web). audit.export_too_large lives in core.ts. */
const zh = {
  'audit.range_inverted': '结束时间不能早于开始时间',

  'audit.result.success': '成功',
  'audit.result.failure': '失败',
  'audit.result.denied': '拒绝',

  'audit.export.sheet': '审计日志',
  'audit.export.file': '审计日志',
  'audit.col.id': '编号',
  'audit.col.occurredAt': '时间（北京时间）',
  'audit.col.actorUsername': '操作人',
  'audit.col.actorId': '操作人 ID',
  'audit.col.ip': 'IP 地址',
  'audit.col.action': '操作',
  'audit.col.resourceType': '对象类型',
  'audit.col.resourceId': '对象 ID',
  'audit.col.unitName': '所属单元',
  'audit.col.unitPath': '单元路径',
  'audit.col.result': '结果',
  'audit.col.detail': '详情',

  'field.resourceType': '对象类型',
  'field.resourceId': '对象 ID',
};

const en: Record<keyof typeof zh, string> = {
  'audit.range_inverted': 'The end must not be before the start',

  'audit.result.success': 'success',
  'audit.result.failure': 'failure',
  'audit.result.denied': 'denied',

  'audit.export.sheet': 'Audit log',
  'audit.export.file': 'audit-log',
  'audit.col.id': 'No.',
  'audit.col.occurredAt': 'Time (UTC+8)',
  'audit.col.actorUsername': 'Actor',
  'audit.col.actorId': 'Actor ID',
  'audit.col.ip': 'IP address',
  'audit.col.action': 'Action',
  'audit.col.resourceType': 'Resource type',
  'audit.col.resourceId': 'Resource ID',
  'audit.col.unitName': 'Unit',
  'audit.col.unitPath': 'Unit path',
  'audit.col.result': 'Result',
  'audit.col.detail': 'Detail',

  'field.resourceType': 'Resource type',
  'field.resourceId': 'Resource ID',
};

export const audit = { 'zh-CN': zh, en };
