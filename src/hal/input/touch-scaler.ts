/**
 * Maps a touch controller's raw ABS coordinates onto display pixels. The axis ranges would come from the
 * EVIOCGABS ioctl, which Node cannot issue, so the board descriptor gives them (`touch: { maxX, maxY }`);
 * by default the raw range equals the display's pixel range. swapXY and the inversions describe how the
 * panel is mounted relative to the display; the inversions apply after swapping, to the display's axes.
 */

export interface TouchCalibration {
  readonly swapXY?: boolean;
  readonly invertX?: boolean;
  readonly invertY?: boolean;
  /** Raw range of the controller's X axis (before swapping); minX defaults to 0. */
  readonly minX?: number;
  readonly maxX?: number;
  readonly minY?: number;
  readonly maxY?: number;
}

export interface DisplaySize {
  readonly width: number;
  readonly height: number;
}

export type TouchScaler = (rawX: number, rawY: number) => { x: number; y: number };

export function createTouchScaler(calibration: TouchCalibration | undefined, display: DisplaySize): TouchScaler {
  const c = calibration ?? {};
  if (!(display.width > 0 && display.height > 0)) {
    throw new Error(`touch scaling needs a display size, got ${display.width}x${display.height}`);
  }
  const swap = c.swapXY === true;
  // With swapXY the controller's X axis runs along the display's height.
  const minX = c.minX ?? 0;
  const maxX = c.maxX ?? (swap ? display.height : display.width) - 1;
  const minY = c.minY ?? 0;
  const maxY = c.maxY ?? (swap ? display.width : display.height) - 1;
  if (!(maxX > minX) || !(maxY > minY)) {
    throw new Error(`touch axis ranges must be non-empty: X ${minX}..${maxX}, Y ${minY}..${maxY}`);
  }
  const unit = (v: number, min: number, max: number) => Math.min(1, Math.max(0, (v - min) / (max - min)));
  return (rawX, rawY) => {
    let u = unit(rawX, minX, maxX);
    let v = unit(rawY, minY, maxY);
    if (swap) [u, v] = [v, u];
    if (c.invertX === true) u = 1 - u;
    if (c.invertY === true) v = 1 - v;
    return { x: Math.round(u * (display.width - 1)), y: Math.round(v * (display.height - 1)) };
  };
}
