// A fresh folder per interop test for configs, databases, certificates and peer logs. It is removed
// when the test passed and kept (its path printed to stderr) when it failed, so a red run leaves
// the Kamailio/SIPp/baresip logs behind to read.
//
// Knowing pass/fail in node:test on Node 20: TestContext has no `passed` property there and an
// after-hook cannot see the outcome, and process.exitCode is only set when the whole file ends. So
// the outcome is recorded explicitly: `withWorkdir(name, fn)` wraps a test function and marks the
// workdir passed when fn resolves (a throw or a failed assertion leaves it unmarked); with
// `useWorkdir(t, name)` the test calls `w.pass()` as its last statement. For a folder shared by the
// tests of a suite, call `useWorkdir({ after }, name)` (node:test's suite-level `after`) inside
// describe() and wrap each test function with `w.guard(fn)`: the folder counts as passed when at least
// one guarded test ran and none threw. Cleanups registered with
// `w.defer()` run in reverse order in a single t.after hook -- stopping the peers BEFORE the folder
// is judged -- and any process still writing its log into the folder is then SIGKILLed, so a
// forgotten peer can neither outlive the test nor keep the test file from ending.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { killProcessesLoggingUnder } from './process.js';

/** Creates `<os.tmpdir()>/sipdesk-<name>-XXXXXX`. */
export function makeWorkdir(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 40);
  return mkdtempSync(join(tmpdir(), `sipdesk-${safe}-`));
}

/** Removes the folder when the test passed; keeps it and says where it is when it failed. */
export function finishWorkdir(dir: string, passed: boolean): void {
  if (passed) {
    rmSync(dir, { recursive: true, force: true });
  } else {
    process.stderr.write(`# test failed: logs kept in ${dir}\n`);
  }
}

export type Cleanup = () => unknown;

export interface TestWorkdir {
  readonly path: string;
  /** Run `fn` when the test ends (after-hook, reverse order of registration), e.g. () => kamailio.stop(). */
  defer(fn: Cleanup): void;
  /** Mark the test as passed (withWorkdir does it for you when the test function resolves). */
  pass(): void;
  /** Wraps a test function: its success counts as a pass, a throw marks the folder failed (and rethrows). */
  guard<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void>;
}

/**
 * Something with an after hook: a test's TestContext `t`, or `{ after }` with node:test's suite-level `after`
 * (SuiteContext has no hooks of its own on Node 20).
 */
export interface AfterHookContext {
  after(fn: () => Promise<void>): void;
}

export function useWorkdir(t: AfterHookContext, name: string): TestWorkdir {
  const path = makeWorkdir(name);
  const cleanups: Cleanup[] = [];
  let passedExplicitly = false;
  let guardedPasses = 0;
  let failed = false;
  t.after(async () => {
    const errors: unknown[] = [];
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    }
    const leftovers = await killProcessesLoggingUnder(path);
    if (leftovers.length > 0) {
      process.stderr.write(`# ${path}: killed processes the test left running: ${leftovers.join(', ')}\n`);
    }
    const passed = !failed && (passedExplicitly || guardedPasses > 0);
    finishWorkdir(path, passed && errors.length === 0);
    if (errors.length > 0) {
      throw new AggregateError(errors, `cleanup of ${path} failed`);
    }
  });
  return {
    path,
    defer: (fn) => {
      cleanups.push(fn);
    },
    pass: () => {
      passedExplicitly = true;
    },
    guard: (fn) => async (...args) => {
      try {
        await fn(...args);
        guardedPasses++;
      } catch (err) {
        failed = true;
        throw err;
      }
    },
  };
}

/**
 * Wraps a node:test test function: `test('x', withWorkdir('x', async (w, t) => { ... }))`.
 * The workdir is marked passed when the function resolves.
 */
export function withWorkdir(
  name: string,
  fn: (w: TestWorkdir, t: TestContext) => Promise<void>,
): (t: TestContext) => Promise<void> {
  return async (t: TestContext) => {
    const w = useWorkdir(t, name);
    await fn(w, t);
    w.pass();
  };
}

/**
 * Subtests of one end-to-end run that share its peers: `step` runs one as a node:test subtest and
 * remembers a failure (t.test resolves even when the subtest fails), so the run keeps its logs
 * (`if (steps.allPassed) w.pass()`).
 */
export function subtests(t: TestContext): { readonly step: (name: string, fn: () => void | Promise<void>) => Promise<void>; readonly allPassed: boolean } {
  let allPassed = true;
  return {
    step: (name, fn) =>
      t.test(name, async () => {
        try {
          await fn();
        } catch (err) {
          allPassed = false;
          throw err;
        }
      }),
    get allPassed() {
      return allPassed;
    },
  };
}
