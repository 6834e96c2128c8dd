/**
 * Ghost keys in a diode-less key matrix: with three corners of a rectangle pressed, current flows from the
 * driven row through the three switches into the fourth corner's column, so the fourth key reads pressed
 * although nobody touches it. From the readings alone the four corners cannot be told apart, so a key
 * whose three partner corners all read pressed is ambiguous and must not start a key press.
 */

/** Whether key (row, col) is the fourth corner of a rectangle whose other three corners read pressed. */
export function isAmbiguous(pressed: readonly (readonly boolean[])[], row: number, col: number): boolean {
  const sameRow = pressed[row];
  if (!sameRow) return false;
  for (let r = 0; r < pressed.length; r++) {
    if (r === row || !pressed[r]?.[col]) continue;
    const other = pressed[r]!;
    for (let c = 0; c < sameRow.length; c++) {
      if (c !== col && sameRow[c] && other[c]) return true;
    }
  }
  return false;
}
