/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_YAML_TREE_H
#define QPOD_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

struct arena;

enum ynode_type {
	YNODE_SCALAR,
	YNODE_SEQUENCE,
	YNODE_MAPPING,
};

/* One node of a YAML document, with where it starts in its file. */
struct ynode {
	enum ynode_type type;
	struct qp_loc loc;
	/* YNODE_SCALAR */
	const char *value;	/* NUL-terminated */
	bool quoted;		/* written in quotes or as a block: never null */
	/* YNODE_SEQUENCE: items[i]; YNODE_MAPPING: key items[2i], value items[2i+1] */
	struct ynode **items;
	size_t n_items;		/* entries: pairs for a mapping */
};

/* Largest policy file read, and deepest nesting accepted. */
#define YTREE_MAX_BYTES (1024 * 1024)
#define YTREE_MAX_DEPTH 32

/** Parses BUF (LEN bytes) of FILE (name kept for locations, must outlive
 * the tree) into a tree allocated in A. *ret_root is NULL for a document
 * with no content. Rejects aliases, more than one document, non-scalar or
 * duplicate mapping keys. Returns 0, or -EINVAL with errors added to DIAGS. */
int ytree_parse(struct arena *a, const char *file, const char *buf, size_t len,
		struct ynode **ret_root, struct diag_list *diags);

/** The same for a text of up to MAX_BYTES: qpod-ctl reads qpodd's
 * answers (JSON) with it. */
int ytree_parse_max(struct arena *a, const char *file, const char *buf, size_t len,
		    size_t max_bytes, struct ynode **ret_root, struct diag_list *diags);

/** True for an empty plain scalar, "~" or "null": a key with no value. */
bool ynode_is_null(const struct ynode *n);

/** "a value", "a list" or "a mapping", for messages. */
const char *ynode_type_name(const struct ynode *n);

#endif
