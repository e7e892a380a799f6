/* char_to_float - signed 8-bit integers to floats, divided by a scale (GNU Radio's
 * char_to_float).
 *
 * mq has no signed 8-bit item type: the input is a u8 port whose bytes are read
 * as int8 (two's complement), as GNU Radio's char is, so 255 is -1. */
#include "convert.h"

static const mq_param_decl params[] = {
    CONVERT_VLEN,
    CONVERT_SCALE("the divisor of each element (not 0)"),
};

CONVERT_BLOCK("char_to_float", MQ_ITEM_U8, MQ_ITEM_F32, "vlen",
              volk_8i_s32f_convert_32f(out, in, convert_scale(c), n),
              .doc = "Outputs each signed byte divided by scale, as a float.\n"
                     "By VOLK's volk_8i_s32f_convert_32f (times 1/scale), as GNU Radio. The\n"
                     "input is a u8 port, mq having no i8 type: its bytes are read as int8,\n"
                     "so 128..255 are -128..-1. A scale of 0 is refused (GNU Radio's gives\n"
                     "inf and NaN).\n"
                     CONVERT_DOC_SCALE CONVERT_DOC_VLEN CONVERT_DOC_1TO1,
              .check = convert_check_divisor);
