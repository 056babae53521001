/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>
#include <yaml.h>

#include "arena.h"
#include "yaml-tree.h"

struct ytree_ctx {
	struct arena *arena;
	const char *file;
	yaml_parser_t parser;
	struct diag_list *diags;
	int depth;
};

static struct qp_loc mark_loc(const struct ytree_ctx *c, const yaml_mark_t *m)
{
	return (struct qp_loc){ c->file, (unsigned)m->line + 1, (unsigned)m->column + 1 };
}

static int next_event(struct ytree_ctx *c, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&c->parser, ev)) {
		struct qp_loc loc = mark_loc(c, &c->parser.problem_mark);

		if (c->parser.error == YAML_READER_ERROR) {
			loc.line = loc.col = 0;
			diag_add(c->diags, DIAG_ERROR, &loc,
				 "not a YAML text file: %s at byte %zu",
				 c->parser.problem ? c->parser.problem : "unreadable input",
				 c->parser.problem_offset);
			return -EINVAL;
		}

		if (c->parser.context)
			diag_add(c->diags, DIAG_ERROR, &loc, "YAML syntax error: %s %s",
				 c->parser.problem ? c->parser.problem : "invalid input",
				 c->parser.context);
		else
			diag_add(c->diags, DIAG_ERROR, &loc, "YAML syntax error: %s",
				 c->parser.problem ? c->parser.problem : "invalid input");
		return -EINVAL;
	}
	return 0;
}

static int parse_node(struct ytree_ctx *c, yaml_event_t *ev, struct ynode **ret);

/* Reads children until the matching end event. */
static int parse_children(struct ytree_ctx *c, struct ynode *n, yaml_event_type_t end)
{
	size_t cap = 0, count = 0;
	int r = 0;

	for (;;) {
		yaml_event_t ev;
		struct ynode *child = NULL;
		struct ynode **slot;

		if (next_event(c, &ev) < 0)
			return -EINVAL;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			break;
		}
		r = parse_node(c, &ev, &child);
		yaml_event_delete(&ev);
		if (r < 0)
			return r;
		slot = arena_vec_push(c->arena, &n->items, &count, &cap, sizeof(*slot));
		if (!slot)
			return -ENOMEM;
		*slot = child;
	}
	if (n->type == YNODE_MAPPING) {
		n->n_items = count / 2;
		for (size_t i = 0; i < n->n_items; i++) {
			const struct ynode *k = n->items[2 * i];

			if (k->type != YNODE_SCALAR) {
				diag_add(c->diags, DIAG_ERROR, &k->loc,
					 "a mapping key must be a plain name, not %s",
					 ynode_type_name(k));
				r = -EINVAL;
				continue;
			}
			for (size_t j = 0; j < i; j++) {
				const struct ynode *o = n->items[2 * j];

				if (o->type == YNODE_SCALAR && strcmp(o->value, k->value) == 0) {
					diag_add(c->diags, DIAG_ERROR, &k->loc,
						 "duplicate key '%s' (first at line %u)", k->value,
						 o->loc.line);
					r = -EINVAL;
					break;
				}
			}
		}
	} else {
		n->n_items = count;
	}
	return r;
}

static int parse_node(struct ytree_ctx *c, yaml_event_t *ev, struct ynode **ret)
{
	struct ynode *n;
	struct qp_loc loc = mark_loc(c, &ev->start_mark);
	int r;

	if (ev->type == YAML_ALIAS_EVENT) {
		diag_add(c->diags, DIAG_ERROR, &loc,
			 "YAML aliases (*%s) are not supported in a policy: write the value out",
			 (const char *)ev->data.alias.anchor);
		return -EINVAL;
	}
	n = arena_alloc(c->arena, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->loc = loc;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n->type = YNODE_SCALAR;
		if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length)) {
			diag_add(c->diags, DIAG_ERROR, &loc, "a value contains a NUL character");
			return -EINVAL;
		}
		n->value = arena_strndup(c->arena, (const char *)ev->data.scalar.value,
					 ev->data.scalar.length);
		if (!n->value)
			return -ENOMEM;
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		*ret = n;
		return 0;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (++c->depth > YTREE_MAX_DEPTH) {
			diag_add(c->diags, DIAG_ERROR, &loc, "nested deeper than %d levels",
				 YTREE_MAX_DEPTH);
			return -EINVAL;
		}
		n->type = ev->type == YAML_MAPPING_START_EVENT ? YNODE_MAPPING : YNODE_SEQUENCE;
		r = parse_children(c, n, ev->type == YAML_MAPPING_START_EVENT
						 ? YAML_MAPPING_END_EVENT
						 : YAML_SEQUENCE_END_EVENT);
		c->depth--;
		if (r < 0)
			return r;
		*ret = n;
		return 0;
	default:
		diag_add(c->diags, DIAG_ERROR, &loc, "unexpected YAML structure");
		return -EINVAL;
	}
}

int ytree_parse(struct arena *a, const char *file, const char *buf, size_t len,
		struct ynode **ret_root, struct diag_list *diags)
{
	return ytree_parse_max(a, file, buf, len, YTREE_MAX_BYTES, ret_root, diags);
}

int ytree_parse_max(struct arena *a, const char *file, const char *buf, size_t len,
		    size_t max_bytes, struct ynode **ret_root, struct diag_list *diags)
{
	struct ytree_ctx c = { .arena = a, .file = file, .diags = diags };
	struct ynode *root = NULL;
	struct qp_loc floc = { file, 0, 0 };
	bool in_doc = false, seen_doc = false;
	int r = 0;

	if (len > max_bytes) {
		diag_add(diags, DIAG_ERROR, &floc, "file is larger than %zu bytes", max_bytes);
		return -EINVAL;
	}
	if (memchr(buf, '\0', len)) {
		diag_add(diags, DIAG_ERROR, &floc,
			 "file contains NUL bytes: this is not a YAML text file");
		return -EINVAL;
	}
	if (!yaml_parser_initialize(&c.parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&c.parser, (const unsigned char *)buf, len);
	for (;;) {
		yaml_event_t ev;
		yaml_event_type_t type;

		if (next_event(&c, &ev) < 0) {
			r = -EINVAL;
			break;
		}
		type = ev.type;
		if (type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (type == YAML_DOCUMENT_START_EVENT) {
			if (seen_doc) {
				struct qp_loc loc = mark_loc(&c, &ev.start_mark);

				diag_add(diags, DIAG_ERROR, &loc,
					 "a second YAML document ('---'): a policy file holds one");
				yaml_event_delete(&ev);
				r = -EINVAL;
				break;
			}
			in_doc = seen_doc = true;
		} else if (type == YAML_DOCUMENT_END_EVENT) {
			in_doc = false;
		} else if (in_doc && type != YAML_STREAM_START_EVENT) {
			r = parse_node(&c, &ev, &root);
			if (r < 0) {
				yaml_event_delete(&ev);
				break;
			}
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&c.parser);
	if (r == -ENOMEM)
		diag_add(diags, DIAG_ERROR, &floc, "out of memory");
	if (r < 0)
		return -EINVAL;
	/* "---" alone is a document holding nothing. */
	if (root && ynode_is_null(root))
		root = NULL;
	*ret_root = root;
	return 0;
}

bool ynode_is_null(const struct ynode *n)
{
	if (!n)
		return true;
	if (n->type != YNODE_SCALAR || n->quoted)
		return false;
	return !n->value[0] || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0 ||
	       strcmp(n->value, "Null") == 0 || strcmp(n->value, "NULL") == 0;
}

const char *ynode_type_name(const struct ynode *n)
{
	switch (n->type) {
	case YNODE_SEQUENCE:
		return "a list";
	case YNODE_MAPPING:
		return "a mapping";
	default:
		return "a value";
	}
}
