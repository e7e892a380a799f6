/* float_to_uchar - floats to unsigned bytes (GNU Radio's float_to_uchar): rounded
 * half to even and clipped to 0..255. GNU Radio 3.10 (with VOLK before 3.1) has a
 * plain loop for it, and no vlen or scale. */
#include <math.h>

#include "convert.h"

static const mq_param_decl params[] = {};

static void to_uchar(uint8_t *b, const float *f, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        float r = rintf(f[k]);
        b[k] = (uint8_t)(r >= 255 ? 255 : r > 0 ? r : 0); /* NaN: 0, as GNU Radio's on x86 */
    }
}

CONVERT_BLOCK("float_to_uchar", MQ_ITEM_F32, MQ_ITEM_U8, NULL, to_uchar(out, in, n),
              .doc = "Outputs each element as an unsigned byte, rounded and clipped to 0..255.\n"
                     "Rounded half to even (rint), as GNU Radio.\n"
                     CONVERT_DOC_1TO1);
