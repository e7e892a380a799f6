/* float_to_short - floats to 16-bit integers, times a scale (GNU Radio's
 * float_to_short): rounded to the nearest integer, half to even, and saturated. */
#include "convert.h"

static const mq_param_decl params[] = {
    CONVERT_VLEN,
    CONVERT_SCALE("the factor each element is multiplied by first"),
};

CONVERT_BLOCK("float_to_short", MQ_ITEM_F32, MQ_ITEM_I16, "vlen",
              volk_32f_s32f_convert_16i(out, in, convert_scale(c), n),
              .doc = "Outputs each element times scale as an i16, rounded and saturated.\n"
                     "Rounded half to even (rintf) and clipped to [-32768, 32767], by VOLK's\n"
                     "volk_32f_s32f_convert_16i, as GNU Radio (in float: scale is a float).\n"
                     CONVERT_DOC_SCALE CONVERT_DOC_VLEN CONVERT_DOC_1TO1);
