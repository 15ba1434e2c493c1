/*
 * hmap.h — a small string-keyed hash map (open addressing, linear probing,
 * tombstones), for the engine's in-memory indexes. Keys are copied; values
 * are the caller's.
 */
#ifndef YOGI_HMAP_H
#define YOGI_HMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct hmap_slot {
    char *key;   /* NULL: empty; HMAP_TOMBSTONE: deleted */
    void *value;
} hmap_slot;

typedef struct hmap {
    hmap_slot *slots;
    size_t cap;   /* power of two, or 0 */
    size_t len;   /* live entries */
    size_t used;  /* live + tombstones */
} hmap;

void *hmap_get(const hmap *m, const char *key);
/* Insert or replace. Returns -1 on out of memory. */
int hmap_put(hmap *m, const char *key, void *value);
/* Remove; returns the old value or NULL. */
void *hmap_del(hmap *m, const char *key);
void hmap_free(hmap *m);

/* Iterate: for (size_t i = 0; hmap_next(m, &i, &k, &v);) ... (no changes while iterating) */
bool hmap_next(const hmap *m, size_t *pos, const char **key, void **value);

#endif
