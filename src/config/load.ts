/**
 * Reads and validates the config file (JSON or YAML). Errors say which field is wrong and why, one per
 * line, so that an installer can fix a provisioning template without reading code.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configSchema, type PhoneConfig } from './schema.js';

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** "account.proxy: must be a SIP URI like …" — the path first, as users look for the field. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(top level)';
    return `${path}: ${issue.message}`;
  });
}

export function parseConfig(value: unknown, source = 'config'): PhoneConfig {
  const result = configSchema.safeParse(value);
  if (!result.success) throw new ConfigError(source, describeIssues(result.error));
  return result.data;
}

export function parseConfigText(text: string, source: string): PhoneConfig {
  let value: unknown;
  try {
    value = /\.ya?ml$/i.test(source) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(source, [`not valid ${/\.ya?ml$/i.test(source) ? 'YAML' : 'JSON'}: ${(err as Error).message}`]);
  }
  return parseConfig(value, source);
}

export async function loadConfigFile(path: string): Promise<PhoneConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`cannot read file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseConfigText(text, path);
}
