/* complex_to_arg - the argument (phase angle) of complex items (GNU Radio's
 * complex_to_arg).
 *
 * GNU Radio 3.10 computes it with its fast_atan2f, a table of atan at 256 points
 * with linear interpolation: off the exact angle by up to 1.5e-6 rad (6.3e-7 on
 * average over the circle; measured on 3.10.5). This block calls VOLK's
 * volk_32fc_s32f_atan2_32f instead, a kernel, so as fast as VOLK makes it; VOLK
 * 2.5's is atan2f itself, within a float's rounding of the exact angle. The two
 * blocks' values agree within GNU Radio's error. */
#include "convert.h"

static const mq_param_decl params[] = {CONVERT_VLEN};

CONVERT_BLOCK("complex_to_arg", MQ_ITEM_C32, MQ_ITEM_F32, "vlen",
              volk_32fc_s32f_atan2_32f(out, in, 1.0f, n),
              .doc = "Outputs the argument atan2(im, re) of each complex element, in [-pi, pi].\n"
                     "0 for 0+0j. By VOLK's volk_32fc_s32f_atan2_32f (atan2f in VOLK 2.5):\n"
                     "within 1.5e-6 rad, the error of GNU Radio's table-driven fast_atan2f,\n"
                     "of GNU Radio's values. A negative real part with an imaginary part of\n"
                     "-0.0 gives -pi, as atan2 does (GNU Radio's gives pi).\n"
                     CONVERT_DOC_VLEN CONVERT_DOC_1TO1);
