/* short_to_float - 16-bit integers to floats, divided by a scale (GNU Radio's
 * short_to_float). */
#include "convert.h"

static const mq_param_decl params[] = {
    CONVERT_VLEN,
    CONVERT_SCALE("the divisor of each element (not 0)"),
};

CONVERT_BLOCK("short_to_float", MQ_ITEM_I16, MQ_ITEM_F32, "vlen",
              volk_16i_s32f_convert_32f(out, in, convert_scale(c), n),
              .doc = "Outputs each 16-bit integer divided by scale, as a float.\n"
                     "By VOLK's volk_16i_s32f_convert_32f, as GNU Radio. A scale of 0 is\n"
                     "refused (GNU Radio's gives inf and NaN).\n"
                     CONVERT_DOC_SCALE CONVERT_DOC_VLEN CONVERT_DOC_1TO1,
              .check = convert_check_divisor);
