// 2×2 matrix helpers for the experiments (row-major number[][]).
export type M2 = number[][];

export const I2: M2 = [[1, 0], [0, 1]];
export function mul(a: M2, b: M2): M2 {
  return [
    [a[0][0] * b[0][0] + a[0][1] * b[1][0], a[0][0] * b[0][1] + a[0][1] * b[1][1]],
    [a[1][0] * b[0][0] + a[1][1] * b[1][0], a[1][0] * b[0][1] + a[1][1] * b[1][1]],
  ];
}
export function tr(a: M2): number {
  return a[0][0] + a[1][1];
}
export function transpose(a: M2): M2 {
  return [[a[0][0], a[1][0]], [a[0][1], a[1][1]]];
}
export function inv(a: M2): M2 {
  const d = a[0][0] * a[1][1] - a[0][1] * a[1][0];
  return [[a[1][1] / d, -a[0][1] / d], [-a[1][0] / d, a[0][0] / d]];
}
export function scale(a: M2, s: number): M2 {
  return a.map((r) => r.map((x) => x * s));
}
/** Square root of a symmetric positive-definite 2×2 matrix: (A + √det·I)/√(tr A + 2√det). */
export function sqrtSpd(a: M2): M2 {
  const s = Math.sqrt(a[0][0] * a[1][1] - a[0][1] * a[1][0]);
  const t = Math.sqrt(a[0][0] + a[1][1] + 2 * s);
  return [[(a[0][0] + s) / t, a[0][1] / t], [a[1][0] / t, (a[1][1] + s) / t]];
}
/** e^S for a symmetric 2×2 S (eigendecomposition). */
export function expSym(s: M2): M2 {
  const m = (s[0][0] + s[1][1]) / 2;
  const r = Math.hypot((s[0][0] - s[1][1]) / 2, s[0][1]);
  if (r < 1e-15) return [[Math.exp(m), 0], [0, Math.exp(m)]];
  const ch = Math.cosh(r);
  const sh = Math.sinh(r) / r;
  const e = Math.exp(m);
  return [
    [e * (ch + sh * (s[0][0] - m)), e * sh * s[0][1]],
    [e * sh * s[1][0], e * (ch + sh * (s[1][1] - m))],
  ];
}
export function rotation(phi: number): M2 {
  return [[Math.cos(phi), -Math.sin(phi)], [Math.sin(phi), Math.cos(phi)]];
}
