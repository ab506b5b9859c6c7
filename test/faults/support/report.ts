/**
 * The first `n` lines of a list and how many more: a scenario's failure
 * message names the first offenders without printing ten thousand of them.
 */
export function firstFew(lines: string[], n = 5): string[] {
  return lines.length <= n ? lines : [...lines.slice(0, n), `… and ${lines.length - n} more`];
}
