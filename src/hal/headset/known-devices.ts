/**
 * USB vendors whose headsets and handsets we expect to meet, for naming a device in logs and the
 * missing-hardware message. Detection never depends on this table: any HID interface whose top-level
 * collection is Telephony/Headset, Telephony/Phone or Telephony/Handset qualifies, and a device from a
 * listed vendor without such a collection (a Logitech mouse) does not. The notes say what the driver does
 * about each family's habits, all of which the descriptor-driven decoder already covers.
 */

export interface KnownHeadsetVendor {
  readonly vendorId: number;
  readonly vendor: string;
  readonly notes: string;
}

export const KNOWN_HEADSET_VENDORS: readonly KnownHeadsetVendor[] = [
  {
    vendorId: 0x0b0e,
    vendor: 'Jabra (GN Audio)',
    notes:
      'Telephony collection with report ids next to vendor-page collections on the same interface; Phone Mute ' +
      'and Flash are relative one-shot inputs; the Ringer output (0x0B:0x9E) rings the headset itself.',
  },
  {
    vendorId: 0x047f,
    vendor: 'Poly / Plantronics (HP)',
    notes:
      'Telephony collection with report ids; an output report may share its id with an input report (the ' +
      'parser counts the two separately); buttons declared absolute are 1 while held.',
  },
  {
    vendorId: 0x1395,
    vendor: 'EPOS / Sennheiser Communications',
    notes: 'Telephony collection with report ids; the headset expects the Off-Hook LED to follow the call, which the app drives.',
  },
  {
    vendorId: 0x6993,
    vendor: 'Yealink',
    notes: 'USB handsets and headsets; some declare the Hook Switch relative (a toggle button): handled as a toggle.',
  },
  {
    vendorId: 0x046d,
    vendor: 'Logitech',
    notes: 'Business headsets (Zone) have a telephony collection; most Logitech HID devices do not and are skipped.',
  },
  {
    vendorId: 0x0d8c,
    vendor: 'C-Media (USB audio chip)',
    notes: 'Generic USB handsets built on C-Media chips; only those with a telephony collection are used.',
  },
];

export function knownVendor(vendorId: number): KnownHeadsetVendor | undefined {
  return KNOWN_HEADSET_VENDORS.find((v) => v.vendorId === vendorId);
}

export const hex4 = (n: number): string => n.toString(16).padStart(4, '0');
