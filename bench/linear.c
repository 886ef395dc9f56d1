/* Hand-written C reference for `npm run bench` (built with gcc -O3 into bench/build/): SGD on the
 * two-layer linear net ‖W U x − y‖²/2, U [h, d], W [d, h], x ~ N(0, I_d), y = x + 0.1·ε,
 * ε ~ N(0, I_d), minibatch B, several independent chains run one after the other.
 *
 * It is the same computation as the generated kernel for bench/run.mjs's linear `.loss` file,
 * with the same random streams (src/core/util/rng.ts, kernelCommon.ts, analysis/points.ts):
 * each chain's generators are xoshiro128** seeded through splitmix32 from (seed, chain, purpose);
 * the initial point (purpose 0) is Rng.normal(): Marsaglia's polar method on 53-bit uniforms with
 * the spare kept; the data (purpose 1) are the kernel's normalInto(): a 128-layer ziggurat (the
 * layer from the low 7 bits of one draw, the value from a 32-bit uniform of the next, wedges and
 * tail as in kernelCommon.ts). The ziggurat table must be the kernel's to the last bit (libm's
 * exp and log differ from V8's in the last place, and such a difference spreads through the
 * table's recursion): bench/run.mjs writes the kernel's own ZIGGURAT as hex floats into
 * bench/build/ziggurat.h, which this file includes. So the mean loss it prints agrees with
 * Noether's up to rounding (the wedge and tail tests call exp and log, whose last bit may differ
 * from V8's: the same draws, values equal to rounding), which the bench checks.
 *
 * Build: gcc -O3 -ffp-contract=off -I bench/build -o bench/build/linear bench/linear.c -lm
 * Usage: linear d h batch chains steps [reps] [lr] [seed]
 * Prints one line per timed repetition, `us_per_chain_step <wall> <cpu>` (µs of wall-clock and of
 * process CPU time per chain-step), then
 * `checksum <mean over chains of the mean loss> <mean over chains of ‖θ‖²> <diverged chains>`.
 * Every repetition reruns all chains from the start (the checksum does not depend on reps). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ZG[0..128]: the layers x_i; ZG[129..256]: x_{i+1}/x_i (kernelCommon.ts ZIGGURAT). */
#include "ziggurat.h"
#define ZIG_R 3.442619855899

typedef struct {
  uint32_t s[4];
  int has_spare;
  double spare;
} rng_t;

static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

static inline uint32_t next_u32(rng_t *r) {
  uint32_t *s = r->s;
  const uint32_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 9;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 11);
  return result;
}

static uint32_t splitmix32(uint32_t *state) {
  *state += 0x9e3779b9u;
  uint32_t z = *state;
  z = (z ^ (z >> 16)) * 0x85ebca6bu;
  z = (z ^ (z >> 13)) * 0xc2b2ae35u;
  return z ^ (z >> 16);
}

/* new Rng(seed, chain, purpose) of rng.ts, for seeds below 2^32. */
static void rng_seed(rng_t *r, uint32_t seed, uint32_t chain, uint32_t purpose) {
  uint32_t st = (seed * 0x27d4eb2du) ^ ((chain + 1) * 0x165667b1u) ^ ((purpose + 7) * 0x9e3779b1u);
  for (int i = 0; i < 4; i++) r->s[i] = splitmix32(&st);
  if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0) r->s[0] = 1;
  r->has_spare = 0;
  r->spare = 0;
}

/* Rng.normal(): 53-bit uniforms (used for the initial point). */
static double normal53(rng_t *r) {
  if (r->has_spare) { r->has_spare = 0; return r->spare; }
  double u, v, q;
  do {
    uint32_t hi = next_u32(r) >> 5, lo = next_u32(r) >> 6;
    u = 2 * ((hi * 67108864.0 + lo) / 9007199254740992.0) - 1;
    hi = next_u32(r) >> 5; lo = next_u32(r) >> 6;
    v = 2 * ((hi * 67108864.0 + lo) / 9007199254740992.0) - 1;
    q = u * u + v * v;
  } while (q >= 1 || q == 0);
  double f = sqrt(-2 * log(q) / q);
  r->spare = v * f; r->has_spare = 1;
  return u * f;
}

static inline double uniform32(rng_t *r) { return next_u32(r) * 2.3283064365386963e-10; }

/* The kernel's normalInto(): the ziggurat, statement for statement. */
static inline double normal_zig(rng_t *r) {
  for (;;) {
    const int i = next_u32(r) & 127;
    const double u = 2 * uniform32(r) - 1, xi = ZG[i];
    if (fabs(u) < ZG[129 + i]) return u * xi;
    if (i == 0) {
      double a, b;
      do {
        a = uniform32(r);
        b = uniform32(r);
        a = log(1 - a) / ZIG_R;
        b = log(1 - b);
      } while (-2 * b < a * a);
      return u < 0 ? a - ZIG_R : ZIG_R - a;
    }
    const double x = u * xi, xn = ZG[i + 1];
    const double f0 = exp(-0.5 * (xi * xi - x * x)), f1 = exp(-0.5 * (xn * xn - x * x));
    const double w = uniform32(r);
    if (f1 + w * (f0 - f1) < 1) return x;
  }
}

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct {
  int d, h, batch;
  double lr;
  uint32_t seed;
  double *U, *W, *gU, *gW, *x, *y, *hid, *r, *wr;
} net_t;

/* Runs one chain for `steps` steps; returns its mean loss (NaN if it diverged) and ‖θ‖². */
static double run_chain(net_t *n, uint32_t chain, long steps, double *norm2) {
  const int d = n->d, h = n->h, B = n->batch;
  double *U = n->U, *W = n->W, *gU = n->gU, *gW = n->gW, *x = n->x, *y = n->y, *hid = n->hid, *r = n->r, *wr = n->wr;
  rng_t init, data;
  rng_seed(&init, n->seed, chain, 0);
  rng_seed(&data, n->seed, chain, 1);
  for (int i = 0; i < h * d; i++) U[i] = 0.3 * normal53(&init);
  for (int i = 0; i < d * h; i++) W[i] = 0.3 * normal53(&init);
  const double lr = n->lr;
  double losssum = 0;
  for (long t = 0; t < steps; t++) {
    memset(gU, 0, sizeof(double) * h * d);
    memset(gW, 0, sizeof(double) * d * h);
    double lsum = 0;
    for (int b = 0; b < B; b++) {
      for (int j = 0; j < d; j++) x[j] = normal_zig(&data);
      for (int j = 0; j < d; j++) y[j] = x[j] + 0.1 * normal_zig(&data);
      for (int k = 0; k < h; k++) {
        double s = 0;
        for (int j = 0; j < d; j++) s += U[k * d + j] * x[j];
        hid[k] = s;
      }
      double l = 0;
      for (int i = 0; i < d; i++) {
        double s = 0;
        for (int k = 0; k < h; k++) s += W[i * h + k] * hid[k];
        r[i] = s - y[i];
        l += r[i] * r[i];
      }
      lsum += l / 2;
      for (int k = 0; k < h; k++) wr[k] = 0;
      for (int i = 0; i < d; i++) {
        const double ri = r[i];
        for (int k = 0; k < h; k++) {
          gW[i * h + k] += ri * hid[k];
          wr[k] += W[i * h + k] * ri;
        }
      }
      for (int k = 0; k < h; k++) {
        const double wk = wr[k];
        for (int j = 0; j < d; j++) gU[k * d + j] += wk * x[j];
      }
    }
    const double lstep = lsum / B;
    if (!isfinite(lstep)) return NAN;
    losssum += lstep;
    if (B > 1) {
      for (int i = 0; i < h * d; i++) gU[i] /= B;
      for (int i = 0; i < d * h; i++) gW[i] /= B;
    }
    for (int i = 0; i < h * d; i++) U[i] -= lr * gU[i];
    for (int i = 0; i < d * h; i++) W[i] -= lr * gW[i];
  }
  double s = 0;
  for (int i = 0; i < h * d; i++) s += U[i] * U[i];
  for (int i = 0; i < d * h; i++) s += W[i] * W[i];
  *norm2 = s;
  return losssum / steps;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: linear d h batch chains steps [reps] [lr] [seed]\n");
    return 2;
  }
  net_t n;
  n.d = atoi(argv[1]); n.h = atoi(argv[2]); n.batch = atoi(argv[3]);
  const long chains = atol(argv[4]), steps = atol(argv[5]);
  const int reps = argc > 6 ? atoi(argv[6]) : 1;
  n.lr = argc > 7 ? atof(argv[7]) : 0.01;
  n.seed = argc > 8 ? (uint32_t)strtoul(argv[8], NULL, 10) : 1;
  if (n.d < 1 || n.h < 1 || n.batch < 1 || chains < 1 || steps < 1 || reps < 1) {
    fprintf(stderr, "linear: arguments must be positive\n");
    return 2;
  }
  const int d = n.d, h = n.h;
  n.U = malloc(sizeof(double) * h * d); n.W = malloc(sizeof(double) * d * h);
  n.gU = malloc(sizeof(double) * h * d); n.gW = malloc(sizeof(double) * d * h);
  n.x = malloc(sizeof(double) * d); n.y = malloc(sizeof(double) * d); n.r = malloc(sizeof(double) * d);
  n.hid = malloc(sizeof(double) * h); n.wr = malloc(sizeof(double) * h);
  double loss = 0, norm2 = 0;
  long diverged = 0;
  for (int rep = 0; rep < reps; rep++) {
    loss = 0; norm2 = 0; diverged = 0;
    const double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    for (long c = 0; c < chains; c++) {
      double nn = 0;
      const double l = run_chain(&n, (uint32_t)c, steps, &nn);
      if (isnan(l)) diverged++;
      else { loss += l; norm2 += nn; }
    }
    const double dt = clock_s(CLOCK_MONOTONIC) - t0, dc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    printf("us_per_chain_step %.6f %.6f\n", dt * 1e6 / ((double)chains * steps), dc * 1e6 / ((double)chains * steps));
  }
  const long ok = chains - diverged;
  printf("checksum %.17g %.17g %ld\n", ok ? loss / ok : NAN, ok ? norm2 / ok : NAN, diverged);
  return 0;
}
