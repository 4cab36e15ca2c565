/**
 * Open-model arrival times for a connect phase whose rate goes linearly from r0 to r1 (per second) while n devices
 * arrive. The ramp spans T = 2n / (r0 + r1) seconds (the area under the rate line is n), and device k arrives when
 * the arrivals so far, N(t) = r0·t + (r1 − r0)·t² / (2T), reach k. With r0 = r1 this is k / r.
 */
export function arrivalSpanMs(n: number, fromPerS: number, toPerS: number): number {
  if (n <= 1) return 0;
  return arrivalOffsetMs(n - 1, n, fromPerS, toPerS);
}

/** Offset from the phase start, in ms, of the k-th arrival (k = 0…n−1). */
export function arrivalOffsetMs(k: number, n: number, fromPerS: number, toPerS: number): number {
  if (k <= 0) return 0;
  const r0 = fromPerS;
  const r1 = toPerS;
  if (Math.abs(r1 - r0) < 1e-12) return (k / r0) * 1000;
  const T = (2 * n) / (r0 + r1);
  const a = (r1 - r0) / (2 * T);
  // Solve a·t² + r0·t − k = 0 for the positive root, in a cancellation-free form.
  const t = (2 * k) / (r0 + Math.sqrt(r0 * r0 + 4 * a * k));
  return t * 1000;
}
