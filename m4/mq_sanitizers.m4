# MQ_CHECK_SANITIZERS
# Checks that the C compiler can build and link a program with
# -fsanitize=address,undefined, and substitutes MQ_SAN_CFLAGS. The unit tests
# are built a second time with these flags; a compiler without them is an error,
# not a silent skip, because the sanitizer run is part of the test suite.
AC_DEFUN([MQ_CHECK_SANITIZERS], [
  AC_MSG_CHECKING([whether $CC supports -fsanitize=address,undefined])
  mq_save_CFLAGS=$CFLAGS
  mq_save_LDFLAGS=$LDFLAGS
  CFLAGS="$CFLAGS -fsanitize=address,undefined"
  LDFLAGS="$LDFLAGS -fsanitize=address,undefined"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[]], [[return 0;]])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no])
     AC_MSG_ERROR([$CC cannot link with -fsanitize=address,undefined: install libasan and libubsan (Debian: gcc provides them)])])
  CFLAGS=$mq_save_CFLAGS
  LDFLAGS=$mq_save_LDFLAGS
  MQ_SAN_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
  AC_SUBST([MQ_SAN_CFLAGS])
])
