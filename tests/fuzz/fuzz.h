/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_FUZZ_H
#define QPOD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/** libFuzzer's entry point, one per harness. With gcc, replay.c's main()
 * calls it for each file of the seed corpus. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise of the code under test is a finding like a crash:
 * abort() so that libFuzzer saves the input and the replay test fails. */
#define FUZZ_ASSERT(cond)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: fuzz assertion failed: %s\n", __FILE__, \
				__LINE__, #cond);                                      \
			abort();                                                       \
		}                                                                      \
	} while (0)

#endif
