import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import { REPO_ROOT } from './paths.js';

export interface Environment {
  date: string;
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  kafka: string;
  kafkajs: string;
  redis: string;
  java: string;
}

export async function describeEnvironment(redisUrl: string): Promise<Environment> {
  const redis = new Redis(redisUrl);
  const info = await redis.info('server');
  redis.disconnect();
  const java = execFileSync('java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() || '';
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kafka: /<kafka.version>([^<]+)</.exec(readFileSync(`${REPO_ROOT}infra/kafka/pom.xml`, 'utf8'))?.[1] ?? 'unknown',
    kafkajs: (JSON.parse(readFileSync(`${REPO_ROOT}node_modules/kafkajs/package.json`, 'utf8')) as { version: string })
      .version,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    java: java || execFileSync('bash', ['-c', 'java -version 2>&1 | head -1'], { encoding: 'utf8' }).trim(),
  };
}
