/** Length in Unicode code points, the unit every limit in the design is stated in. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
