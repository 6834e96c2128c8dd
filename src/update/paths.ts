/**
 * Where the A/B update machinery keeps its things on the device. Every path is configurable so that tests
 * (and a developer's machine) can run the whole flow in a temporary folder.
 *
 *   /opt/sipdesk/slots/a, /opt/sipdesk/slots/b   two complete application trees (root-owned, read-only to the phone)
 *   /opt/sipdesk/current  -> slots/X             what the service runs (ExecStart goes through this link)
 *   /opt/sipdesk/previous -> slots/Y             the slot an install replaced; the rollback helper runs from it
 *   /var/lib/sipdesk/update-state.json           pending install, tries, per-slot version and health
 *   /etc/sipdesk/update-keys/*.pem               public keys a bundle must be signed with
 */
import { join } from 'node:path';

export type SlotName = 'a' | 'b';
export const SLOT_NAMES: readonly SlotName[] = ['a', 'b'];

export interface UpdatePaths {
  /** Folder holding the slots and the `current`/`previous` links (default /opt/sipdesk). */
  root: string;
  /** Update state file (default /var/lib/sipdesk/update-state.json: the phone's own confirm must write it). */
  stateFile: string;
  /** Folder of trusted public keys, PEM (default /etc/sipdesk/update-keys). */
  keysDir: string;
}

export const DEFAULT_UPDATE_PATHS: UpdatePaths = {
  root: '/opt/sipdesk',
  stateFile: '/var/lib/sipdesk/update-state.json',
  keysDir: '/etc/sipdesk/update-keys',
};

export function slotsDir(paths: UpdatePaths): string {
  return join(paths.root, 'slots');
}

export function slotDir(paths: UpdatePaths, slot: SlotName): string {
  return join(paths.root, 'slots', slot);
}

export function currentLink(paths: UpdatePaths): string {
  return join(paths.root, 'current');
}

export function previousLink(paths: UpdatePaths): string {
  return join(paths.root, 'previous');
}

export function otherSlot(slot: SlotName): SlotName {
  return slot === 'a' ? 'b' : 'a';
}
