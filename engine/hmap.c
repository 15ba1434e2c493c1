/*
 * hmap.c — string-keyed open-addressing hash map (see hmap.h).
 *
 * Capacity is a power of two and at most 3/4 used (live + tombstones), so
 * a probe always ends at an empty slot. FNV-1a is enough for ids we
 * generate ourselves; these maps never hold attacker-chosen keys at a scale
 * where flooding matters (ids are random, task ids are counters).
 */
#include "hmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char tombstone_key;
#define HMAP_TOMBSTONE (&tombstone_key)

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static hmap_slot *find_slot(const hmap *m, const char *key)
{
    if (m->cap == 0) return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = hash_key(key) & mask;; i = (i + 1) & mask) {
        hmap_slot *s = &m->slots[i];
        if (!s->key) return NULL;
        if (s->key != HMAP_TOMBSTONE && strcmp(s->key, key) == 0) return s;
    }
}

void *hmap_get(const hmap *m, const char *key)
{
    hmap_slot *s = find_slot(m, key);
    return s ? s->value : NULL;
}

static int grow(hmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    while (m->len * 2 >= cap) cap *= 2;
    hmap_slot *slots = calloc(cap, sizeof *slots);
    if (!slots) return -1;
    for (size_t i = 0; i < m->cap; i++) {
        hmap_slot *s = &m->slots[i];
        if (!s->key || s->key == HMAP_TOMBSTONE) continue;
        size_t j = hash_key(s->key) & (cap - 1);
        while (slots[j].key) j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    m->used = m->len;
    return 0;
}

int hmap_put(hmap *m, const char *key, void *value)
{
    hmap_slot *s = find_slot(m, key);
    if (s) {
        s->value = value;
        return 0;
    }
    if ((m->used + 1) * 4 > m->cap * 3 && grow(m) != 0) return -1;
    char *copy = strdup(key);
    if (!copy) return -1;
    size_t mask = m->cap - 1, i = hash_key(key) & mask;
    while (m->slots[i].key && m->slots[i].key != HMAP_TOMBSTONE) i = (i + 1) & mask;
    if (!m->slots[i].key) m->used++;
    m->slots[i].key = copy;
    m->slots[i].value = value;
    m->len++;
    return 0;
}

void *hmap_del(hmap *m, const char *key)
{
    hmap_slot *s = find_slot(m, key);
    if (!s) return NULL;
    void *v = s->value;
    free(s->key);
    s->key = HMAP_TOMBSTONE;
    s->value = NULL;
    m->len--;
    return v;
}

bool hmap_next(const hmap *m, size_t *pos, const char **key, void **value)
{
    for (; *pos < m->cap; (*pos)++) {
        hmap_slot *s = &m->slots[*pos];
        if (!s->key || s->key == HMAP_TOMBSTONE) continue;
        *key = s->key;
        *value = s->value;
        (*pos)++;
        return true;
    }
    return false;
}

void hmap_free(hmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != HMAP_TOMBSTONE) free(m->slots[i].key);
    free(m->slots);
    memset(m, 0, sizeof *m);
}
