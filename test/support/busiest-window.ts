/** Most of `times` (epoch ms) that fall within any window of `periodMs`. */
export function busiestWindow(times: readonly number[], periodMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= periodMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
