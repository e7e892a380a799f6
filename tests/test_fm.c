/* test_fm.c - the FM receiver of the README: graphs/fm_tx.yaml makes an FM
 * broadcast-style IQ recording of two tones with noise, graphs/fm_rx.yaml
 * demodulates it, and the audio must hold both tones, at their frequencies, well
 * above the noise. */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runutil.h"
#include "suite.h"

#define RATE 48000.0

/* The power of x[0..n) at frequency f (Goertzel: one bin of a DFT, any f). */
static double power_at(const float *x, size_t n, double f)
{
    double w = 2 * M_PI * f / RATE, k = 2 * cos(w), s1 = 0, s2 = 0;

    for (size_t i = 0; i < n; i++) {
        double s = x[i] + k * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    return (s1 * s1 + s2 * s2 - k * s1 * s2) / ((double)n * (double)n);
}

/* The amplitude of the sinusoid at f in x[0..n) and x less it (least squares: n
 * spans whole periods, so sine and cosine are orthogonal over it). */
static double take_out(float *x, size_t n, double f)
{
    double a = 0, b = 0, w = 2 * M_PI * f / RATE;

    for (size_t i = 0; i < n; i++) {
        a += x[i] * sin(w * (double)i);
        b += x[i] * cos(w * (double)i);
    }
    a *= 2.0 / (double)n;
    b *= 2.0 / (double)n;
    for (size_t i = 0; i < n; i++)
        x[i] -= (float)(a * sin(w * (double)i) + b * cos(w * (double)i));
    return hypot(a, b);
}

static double mean_square(const float *x, size_t n)
{
    double m = 0, s = 0;
    for (size_t i = 0; i < n; i++)
        m += x[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return s / (double)n;
}

START_TEST(test_fm_receiver_recovers_both_tones)
{
    size_t len;
    enter_tmpdir();
    const char *tx[] = {"run", copy_example("fm_tx"), "--quiet", NULL};
    ck_assert_int_eq(run(tx), 0);
    free(read_file("fm.c32", &len));
    ck_assert_uint_eq(len, 1200000 * 8);
    const char *rx[] = {"run", copy_example("fm_rx"), "--quiet", NULL};
    ck_assert_int_eq(run(rx), 0);
    float *audio = (float *)read_file("audio.f32", &len);
    ck_assert_uint_eq(len, 24000 * sizeof(float)); /* 0.5 s at 48 kHz */

    /* after the filters' transients (a few ms), 458 periods of 1 kHz, 1374 of 3 kHz */
    float *x = audio + 2000;
    size_t n = 458 * 48;
    /* the two strongest frequencies on a 10 Hz grid from 100 Hz to 15 kHz */
    double best[2] = {0, 0}, at[2] = {0, 0};
    for (double f = 100; f <= 15000; f += 10) {
        double p = power_at(x, n, f);
        if (p > best[0] && fabs(f - at[0]) > 200) {
            best[1] = best[0], at[1] = at[0];
            best[0] = p, at[0] = f;
        } else if (p > best[0]) {
            best[0] = p, at[0] = f;
        } else if (p > best[1] && fabs(f - at[0]) > 200) {
            best[1] = p, at[1] = f;
        }
    }
    double lo = fmin(at[0], at[1]), hi = fmax(at[0], at[1]);
    ck_assert_msg(lo == 1000 && hi == 3000, "tones found at %g Hz and %g Hz", lo, hi);

    /* Full deviation demodulates to amplitude 1: each tone at 0.5, the 3 kHz one
     * lowered by the 75 us de-emphasis to 0.5 / |1 + j 2 pi 3000 tau| = 0.29. */
    double total = mean_square(x, n);
    double a1 = take_out(x, n, 1000), a3 = take_out(x, n, 3000);
    double noise = mean_square(x, n);
    double snr = 10 * log10((total - noise) / noise);
    ck_assert_msg(fabs(a1 - 0.5 / hypot(1, 2 * M_PI * 1000 * 75e-6)) < 0.02, "1 kHz: %g", a1);
    ck_assert_msg(fabs(a3 - 0.5 / hypot(1, 2 * M_PI * 3000 * 75e-6)) < 0.02, "3 kHz: %g", a3);
    /* noise of amplitude 0.1 on a unit carrier: 65.9 dB measured; 55 is the floor */
    ck_assert_msg(snr > 55, "SNR %.1f dB", snr);
    fprintf(stderr, "fm_rx: tones at %g and %g Hz, amplitudes %.4f and %.4f, SNR %.1f dB\n",
            lo, hi, a1, a3, snr);
    free(audio);
    ck_assert_int_eq(shm_count("fm_rx" SFX), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fm");
    TCase *tc = tcase_create("fm");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_fm_receiver_recovers_both_tones);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
