/* uchar_to_float - unsigned bytes to floats (GNU Radio's uchar_to_float): 0..255,
 * unscaled. GNU Radio has no kernel for it, and no vlen or scale. */
#include "convert.h"

static const mq_param_decl params[] = {};

static void from_uchar(float *f, const uint8_t *b, unsigned n)
{
    for (unsigned k = 0; k < n; k++)
        f[k] = b[k];
}

CONVERT_BLOCK("uchar_to_float", MQ_ITEM_U8, MQ_ITEM_F32, NULL, from_uchar(out, in, n),
              .doc = "Outputs each unsigned byte as a float, 0 to 255, as GNU Radio.\n"
                     CONVERT_DOC_1TO1);
