# SPDX-License-Identifier: GPL-2.0-or-later
# QPOD_CHECK_CFLAG(FLAG, [ACTION-IF-OK], [ACTION-IF-NOT])
# Compiles and links an empty program with FLAG (warnings as errors, so an
# unknown -W flag counts as unsupported).
AC_DEFUN([QPOD_CHECK_CFLAG], [
	AS_VAR_PUSHDEF([qpod_var], [qpod_cv_cflag_$1])
	AC_CACHE_CHECK([whether $CC accepts $1], [qpod_var], [
		qpod_save_CFLAGS="$CFLAGS"
		CFLAGS="$CFLAGS -Werror $1"
		AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
			[AS_VAR_SET([qpod_var], [yes])], [AS_VAR_SET([qpod_var], [no])])
		CFLAGS="$qpod_save_CFLAGS"])
	AS_VAR_IF([qpod_var], [yes], [$2], [$3])
	AS_VAR_POPDEF([qpod_var])
])
