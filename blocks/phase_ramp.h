/* phase_ramp.h - multiplying a stream by e^{j 2pi (c0 + r k)}, a phase that grows by
 * r cycles an item, without the drift of an accumulated oscillator. What rotator
 * does to its input and freq_xlating_fir_filter to its output.
 *
 * GNU Radio runs VOLK's rotator over the whole stream: a float phasor multiplied by
 * a float increment item after item. The increment's rounding (up to ~6e-8 rad an
 * item, the same every item) adds up: after 1e8 items at 0.3 rad an item the phase
 * is 0.59 rad off. Here VOLK's kernel runs over at most RAMP_CHUNK items at a time,
 * each run starting from the phase of its first item computed from the item index in
 * double precision, so the error is bounded by what 256 items can add: at most
 * 1.4e-5 (|out - in e^{j phase}| / |in|, measured over 200 increments across
 * (-pi, pi)), however long the stream. A sine and cosine per item from the index
 * (sig_source's way) is exact to float rounding (4e-8) but took 31 ns an item where
 * this takes 1.0 and GNU Radio's whole-stream kernel 0.9, on the 2-core test
 * machine; restarting every 64 items would give 2.7e-6 at 1.9 ns.
 * Static functions, so each module keeps its own copy. */
#ifndef MQ_BLOCKS_PHASE_RAMP_H
#define MQ_BLOCKS_PHASE_RAMP_H

#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <volk/volk.h>

#define RAMP_CHUNK 256

/* Item k of the ramp is at c0 + r (k - k0) cycles: the anchor (k0, c0) moves to the
 * item where a live change takes effect. */
struct phase_ramp {
    double r;     /* cycles an item */
    int64_t k0;   /* the anchor's item */
    double c0;    /* its phase in cycles, in [0, 1) */
    lv_32fc_t inc; /* e^{j 2pi r} as floats, VOLK's increment */
};

/* The fraction of c0 + r m in [0, 1). r m is split into its double and the exact
 * rounding error of that product (fma), so the phase stays exact to double rounding
 * for any m below 2^52, however large r m gets. */
static double ramp_frac(double c0, double r, double m)
{
    double p = r * m, e = fma(r, m, -p);
    double f = (c0 - floor(c0)) + (p - floor(p)) + e;
    return f - floor(f);
}

static void ramp_set(struct phase_ramp *q, double r, int64_t k0, double c0)
{
    q->r = r;
    q->k0 = k0;
    q->c0 = c0 - floor(c0);
    q->inc = (float)cos(2 * M_PI * r) + I * (float)sin(2 * M_PI * r);
}

/* The phase of item k in cycles, in [0, 1). */
static double ramp_cycles(const struct phase_ramp *q, int64_t k)
{
    return ramp_frac(q->c0, q->r, (double)(k - q->k0));
}

/* out[i] = in[i] e^{j 2pi phase(k + i)} for i < n; out may be in. */
static void ramp_apply(const struct phase_ramp *q, int64_t k, lv_32fc_t *out,
                       const lv_32fc_t *in, size_t n)
{
    for (size_t i = 0; i < n; i += RAMP_CHUNK) {
        unsigned len = (unsigned)(n - i < RAMP_CHUNK ? n - i : RAMP_CHUNK);
        double th = 2 * M_PI * ramp_cycles(q, k + (int64_t)i);
        lv_32fc_t ph = (float)cos(th) + I * (float)sin(th);
        volk_32fc_s32fc_x2_rotator_32fc(out + i, in + i, q->inc, &ph, len);
    }
}

#endif
