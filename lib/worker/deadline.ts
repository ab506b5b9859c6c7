/** Resolves at `deadline` (epoch ms), or at once if it has passed; never keeps the process alive. */
export function sleepUntil(deadline: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref());
}
