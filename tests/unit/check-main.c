/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main() for every unit test: runs the test file's suite. */
#include <check.h>
#include <stdlib.h>

#include "check-main.h"

int main(void)
{
	SRunner *sr = srunner_create(test_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
