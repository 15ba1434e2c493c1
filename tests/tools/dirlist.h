/* dirlist.h — sorted directory listing for the JSONata suite tools. */
#ifndef YOGI_DIRLIST_H
#define YOGI_DIRLIST_H
#include <stddef.h>
/* The names in `path` except dot files, sorted, malloc'ed (free each and the
 * array); NULL with *n = 0 when the directory cannot be read. */
char **dirlist(const char *path, size_t *n);
#endif
