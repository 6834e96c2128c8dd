/**
 * Finds and validates a board descriptor by name. Site overrides come first (/etc/sipdesk/boards, then
 * /opt/sipdesk/boards where an image installs them), then the descriptors shipped in the repository, so an
 * installer can adjust a board without touching the firmware. Every error names the file and the field.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { boardSchema, formatPath, type BoardDescriptor } from './board-schema.js';
import { ConfigError, describeIssues } from './load.js';

/** The repository's boards/ folder, seen from this module's compiled place (dist/src/config). */
export const SHIPPED_BOARDS_DIR = fileURLToPath(new URL('../../../boards', import.meta.url));

/** Searched in order; the first folder holding <name>.yaml (or .json) wins. */
export const DEFAULT_BOARD_DIRS: readonly string[] = ['/etc/sipdesk/boards', '/opt/sipdesk/boards', SHIPPED_BOARDS_DIR];

const EXTENSIONS = ['.yaml', '.json'] as const;

/**
 * A ConfigError (so the CLI reports it the same way and exits 2) whose message reads like a compiler's:
 * one "file: field: problem" line per problem.
 */
export class BoardError extends ConfigError {
  constructor(source: string, problems: string[]) {
    super(source, problems);
    this.name = 'BoardError';
    this.message = problems.map((problem) => `${source}: ${problem}`).join('\n');
  }
}

export interface LoadBoardOptions {
  /** Folders to search instead of DEFAULT_BOARD_DIRS (tests; a site with its own layout). */
  boardsDir?: string | readonly string[];
}

/** Reads boards/<name>.yaml from the first folder that has it and validates it; its `name` must be the file's. */
export async function loadBoard(name: string, options: LoadBoardOptions = {}): Promise<BoardDescriptor> {
  const dirs = typeof options.boardsDir === 'string' ? [options.boardsDir] : (options.boardsDir ?? DEFAULT_BOARD_DIRS);
  // The name becomes a file name: refuse anything that could walk out of the boards folders.
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name) || name.includes('..')) {
    throw new BoardError(name, [`not a board name (lower-case letters, digits, ".", "_", "-"); available: ${await availableList(dirs)}`]);
  }
  for (const dir of dirs) {
    for (const ext of EXTENSIONS) {
      const path = join(dir, name + ext);
      const text = await readIfPresent(path);
      if (text === undefined) continue;
      const board = parseBoard(text, path);
      if (board.name !== name) throw new BoardError(path, [`name: is "${board.name}", but the file is ${name + ext} (they must match)`]);
      return board;
    }
  }
  throw new BoardError(name, [`unknown board "${name}"; available: ${await availableList(dirs)} (looked in ${dirs.join(', ')})`]);
}

/** Parses descriptor text (YAML, or JSON when `source` ends in .json) and validates it; `source` names it in errors. */
export function parseBoard(text: string, source: string): BoardDescriptor {
  let value: unknown;
  try {
    value = /\.json$/i.test(source) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new BoardError(source, [syntaxProblem(err, /\.json$/i.test(source) ? 'JSON' : 'YAML')]);
  }
  return validateBoard(value, source);
}

/** Validates an already parsed descriptor. */
export function validateBoard(value: unknown, source: string): BoardDescriptor {
  const result = boardSchema.safeParse(value);
  if (result.success) return result.data;
  // describeIssues joins path segments with "."; one pre-formatted segment gives "inputs[1].rows" instead of "inputs.1.rows".
  const bracketed = new z.ZodError(result.error.issues.map((issue) => ({ ...issue, path: issue.path.length ? [formatPath(issue.path)] : [] })));
  throw new BoardError(source, describeIssues(bracketed));
}

/** Board names found in the folders, each once, sorted. */
export async function listBoards(dirs: readonly string[] = DEFAULT_BOARD_DIRS): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      continue; // a site folder that does not exist is the normal case
    }
    for (const entry of entries) {
      const ext = EXTENSIONS.find((e) => entry.endsWith(e));
      if (ext) names.add(entry.slice(0, -ext.length));
    }
  }
  return [...names].sort();
}

async function availableList(dirs: readonly string[]): Promise<string> {
  const names = await listBoards(dirs);
  return names.length ? names.join(', ') : '(none)';
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new BoardError(path, [`cannot read file: ${code ?? (err as Error).message}`]);
  }
}

function syntaxProblem(err: unknown, language: 'YAML' | 'JSON'): string {
  if (err instanceof YAMLParseError) {
    const at = err.linePos?.[0];
    // yaml's message repeats the position and appends a source excerpt; the first line is the problem.
    const what = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return at ? `not valid YAML (line ${at.line}, column ${at.col}): ${what}` : `not valid YAML: ${what}`;
  }
  return `not valid ${language}: ${(err as Error).message}`;
}
