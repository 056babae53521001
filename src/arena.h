/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_ARENA_H
#define QPOD_ARENA_H

#include <stdarg.h>
#include <stddef.h>

/* A bump allocator: everything an immutable object (a policy, a parsed
 * YAML tree) needs is allocated here and freed at once. */
struct arena;

/** Makes a new, empty arena: 0, or -ENOMEM. */
int arena_new(struct arena **ret);

/** Frees the arena and everything allocated in it; accepts NULL. */
void arena_free(struct arena *a);

/** Returns SIZE zeroed bytes aligned for any type, or NULL. */
void *arena_alloc(struct arena *a, size_t size);

/** Returns a NUL-terminated copy of the first LEN bytes of S, or NULL. */
char *arena_strndup(struct arena *a, const char *s, size_t len);

/** Returns a copy of S (NULL stays NULL). */
char *arena_strdup(struct arena *a, const char *s);

/** Returns a formatted string, or NULL. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Grows the array *ITEMS of *N elements of SIZE bytes by one zeroed
 * element (capacity doubles; old blocks stay in the arena). Returns the
 * new element, or NULL. */
void *arena_vec_push(struct arena *a, void *items, size_t *n, size_t *cap, size_t size);

#endif
