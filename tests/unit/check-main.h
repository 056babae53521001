/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_CHECK_MAIN_H
#define QPOD_CHECK_MAIN_H

#include <check.h>

/* Each unit test file defines its suite; check-main.c runs it. */
Suite *test_suite(void);

#endif
