/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_CONFIG_H
#define QPOD_CONFIG_H

#include <stddef.h>

#include "diag.h"
#include "policy.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define CONFIG_DEFAULT_FILE SYSCONFDIR "/qpod.yaml"

/* A policy file's text, already read. */
struct config_text {
	const char *name;	/* for messages */
	const char *data;
	size_t len;
	bool dropin;		/* an empty drop-in is a warning, not an error */
};

/** Reads FILE, then every *.yaml in DROPIN_DIR in name order (NULL: the
 * directory next to FILE named like it with ".d" for ".yaml", so
 * /etc/qpod.yaml reads /etc/qpod.d/), into one policy. On success returns
 * 0 and *ret_policy; otherwise -EINVAL (or -ENOMEM) and DIAGS holds every
 * error found. Warnings may be added either way. */
int config_load(const char *file, const char *dropin_dir, struct qp_policy **ret_policy,
		struct diag_list *diags);

/** As config_load, from texts already in memory (tests, fuzzers). */
int config_load_texts(const struct config_text *texts, size_t n, struct qp_policy **ret_policy,
		      struct diag_list *diags);

/** The drop-in directory config_load uses for FILE; free() it. */
char *config_dropin_dir(const char *file);

#endif
