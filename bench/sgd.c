/* Hand-written C reference for `npm run bench`: the same SGD loop as the generated kernel for
 * examples/two-layer-scalar.loss (u·w·x ≈ 2x + ε, x ~ N(0,1), ε ~ N(0, 0.5), lr 0.05, batch 1),
 * with the same generator (xoshiro128**, polar normals) and the same per-step law (D) check. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t s[4];
static int has_spare = 0;
static double spare;

static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
static inline uint32_t next(void) {
  const uint32_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 9;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 11);
  return result;
}
static inline double unif(void) { return next() * 2.3283064365386963e-10; }
static inline double normal(void) {
  if (has_spare) { has_spare = 0; return spare; }
  double u, v, q;
  do { u = 2 * unif() - 1; v = 2 * unif() - 1; q = u * u + v * v; } while (q >= 1 || q == 0);
  double f = sqrt(-2 * log(q) / q);
  spare = v * f; has_spare = 1;
  return u * f;
}

int main(int argc, char **argv) {
  long chains = argc > 1 ? atol(argv[1]) : 32, steps = argc > 2 ? atol(argv[2]) : 1000000;
  const double lr = 0.05;
  double checksum = 0, lawmax = 0;
  for (long c = 0; c < chains; c++) {
    s[0] = 0x9e3779b9u * (c + 1); s[1] = 0x85ebca6bu ^ c; s[2] = 0xc2b2ae35u + c; s[3] = 0x27d4eb2du;
    has_spare = 0;
    double u = 1.5, w = 0.2, losssum = 0;
    for (long t = 0; t < steps; t++) {
      double x = normal(), eps = 0.5 * normal();
      double r = u * w * x - (2 * x + eps);
      losssum += r * r / 2;
      double gu = r * w * x, gw = r * u * x;
      double c0 = u * u - w * w, q = gu * gu - gw * gw;
      double ca = u * u + w * w, qa = gu * gu + gw * gw;
      u -= lr * gu; w -= lr * gw;
      if (!isfinite(u) || !isfinite(w)) { fprintf(stderr, "diverged\n"); return 1; }
      double cn = u * u - w * w, scale = u * u + w * w + ca + lr * lr * qa;
      double res = fabs(cn - (c0 + lr * lr * q)) / scale;
      if (res > lawmax) lawmax = res;
    }
    checksum += u * w + losssum * 1e-12;
  }
  printf("%.6f %.3e\n", checksum / chains, lawmax);
  return 0;
}
