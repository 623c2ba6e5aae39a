/** The machine a result was measured on: CPU, cores, memory, OS, Node and PostgreSQL. */
import fs from 'node:fs';
import os from 'node:os';
import pg from 'pg';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  postgres: string;
  db: string;
  /** The 1-minute load average when the run began: other work on the machine skews every figure. */
  loadAverage: number;
}

export async function machineInfo(pool: pg.Pool, db: string): Promise<MachineInfo> {
  const version = (await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
  let osName = `${os.type()} ${os.release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) osName = `${pretty} (${os.release()})`;
  } catch {
    // not Linux: os.type() will do
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: osName,
    node: process.version,
    postgres: version,
    db,
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}
