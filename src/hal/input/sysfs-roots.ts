/**
 * Where drivers look for sysfs and device nodes. The board descriptor's `roots` normally stays at the
 * defaults; tests and the simulator point them at a temporary directory laid out like /sys and /dev.
 */
export interface HalRoots {
  readonly sysfs: string;
  readonly dev: string;
}

export const DEFAULT_ROOTS: HalRoots = { sysfs: '/sys', dev: '/dev' };

/** Fills in the defaults for whichever root the descriptor left out. */
export function resolveRoots(roots: Partial<HalRoots> | undefined): HalRoots {
  return { sysfs: roots?.sysfs ?? DEFAULT_ROOTS.sysfs, dev: roots?.dev ?? DEFAULT_ROOTS.dev };
}
