// Seeded random numbers: xoshiro128** (32-bit state words, fast in JavaScript) seeded through
// splitmix32 from (seed, stream), so each chain and purpose has its own independent stream and a
// run is reproducible from its seed whatever the number of workers.

/** Streams are (seed, chain, purpose); purposes keep initialisation and data draws apart. */
export const STREAM_INIT = 0;
export const STREAM_DATA = 1;
export const STREAM_DATASET = 2;
export const STREAM_ANALYSIS = 3;

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  /** State words; public so that generated kernels can copy them in and out. */
  readonly s = new Uint32Array(4);
  private spare = NaN;

  constructor(seed: number, chain = 0, purpose = 0) {
    const st = { s: (Math.imul(seed | 0, 0x27d4eb2d) ^ Math.imul(chain + 1, 0x165667b1) ^ Math.imul(purpose + 7, 0x9e3779b1)) | 0 };
    // Mix the high part of large seeds too.
    st.s ^= Math.floor(seed / 4294967296) | 0;
    for (let i = 0; i < 4; i++) this.s[i] = splitmix32(st);
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Marsaglia's polar method, the spare value kept). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
