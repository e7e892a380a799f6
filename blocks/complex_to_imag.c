/* complex_to_imag - the imaginary parts of complex items (GNU Radio's
 * complex_to_imag). */
#include "convert.h"

static const mq_param_decl params[] = {CONVERT_VLEN};

CONVERT_BLOCK("complex_to_imag", MQ_ITEM_C32, MQ_ITEM_F32, "vlen",
              volk_32fc_deinterleave_imag_32f(out, in, n),
              .doc = "Outputs the imaginary part of each complex element.\n"
                     "By VOLK's volk_32fc_deinterleave_imag_32f, as GNU Radio.\n"
                     CONVERT_DOC_VLEN CONVERT_DOC_1TO1);
