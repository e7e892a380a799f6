/* complex_to_real - the real parts of complex items (GNU Radio's complex_to_real). */
#include "convert.h"

static const mq_param_decl params[] = {CONVERT_VLEN};

CONVERT_BLOCK("complex_to_real", MQ_ITEM_C32, MQ_ITEM_F32, "vlen",
              volk_32fc_deinterleave_real_32f(out, in, n),
              .doc = "Outputs the real part of each complex element.\n"
                     "By VOLK's volk_32fc_deinterleave_real_32f, as GNU Radio.\n"
                     CONVERT_DOC_VLEN CONVERT_DOC_1TO1);
