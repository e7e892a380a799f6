/* complex_to_mag - the magnitude of complex items (GNU Radio's complex_to_mag). */
#include "convert.h"

static const mq_param_decl params[] = {CONVERT_VLEN};

CONVERT_BLOCK("complex_to_mag", MQ_ITEM_C32, MQ_ITEM_F32, "vlen",
              volk_32fc_magnitude_32f(out, in, n),
              .doc = "Outputs the magnitude |x| = sqrt(re^2 + im^2) of each complex element.\n"
                     "In float, by VOLK's volk_32fc_magnitude_32f, as GNU Radio.\n"
                     CONVERT_DOC_VLEN CONVERT_DOC_1TO1);
