/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <string.h>

#include "suggest.h"

#define SUGGEST_MAXLEN 64

unsigned suggest_distance(const char *a, const char *b)
{
	/* Optimal string alignment distance over three rows. */
	unsigned rows[3][SUGGEST_MAXLEN + 1];
	size_t la = strlen(a), lb = strlen(b);
	unsigned *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	if (la > SUGGEST_MAXLEN || lb > SUGGEST_MAXLEN)
		return 255;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned *t;

		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = tolower((unsigned char)a[i - 1]) !=
					tolower((unsigned char)b[j - 1]);
			unsigned best = prev[j] + 1;

			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (prev[j - 1] + cost < best)
				best = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb] > 255 ? 255 : prev[lb];
}

const char *suggest_closest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	unsigned best_d = 255;
	size_t len = strlen(word);
	/* One edit for short words, two from six letters, three from ten. */
	unsigned limit = len < 6 ? 1 : len < 10 ? 2 : 3;

	for (const char *const *c = candidates; *c; c++) {
		unsigned d = suggest_distance(word, *c);

		if (d < best_d) {
			best_d = d;
			best = *c;
		}
	}
	return best_d <= limit ? best : NULL;
}
