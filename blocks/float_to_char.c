/* float_to_char - floats to signed 8-bit integers, times a scale (GNU Radio's
 * float_to_char): rounded half to even and saturated.
 *
 * mq has no signed 8-bit item type: the output is a u8 port carrying int8 bytes
 * (two's complement), as GNU Radio's char is, so -1 is the byte 255. */
#include "convert.h"

static const mq_param_decl params[] = {
    CONVERT_VLEN,
    CONVERT_SCALE("the factor each element is multiplied by first"),
};

CONVERT_BLOCK("float_to_char", MQ_ITEM_F32, MQ_ITEM_U8, "vlen",
              volk_32f_s32f_convert_8i(out, in, convert_scale(c), n),
              .doc = "Outputs each element times scale as a signed byte, rounded and saturated.\n"
                     "Rounded half to even (rintf) and clipped to [-128, 127], by VOLK's\n"
                     "volk_32f_s32f_convert_8i, as GNU Radio. The output is a u8 port, mq\n"
                     "having no i8 type, carrying the int8 bytes: -1 is 255 there\n"
                     "(char_to_float reads them back).\n"
                     CONVERT_DOC_SCALE CONVERT_DOC_VLEN CONVERT_DOC_1TO1);
