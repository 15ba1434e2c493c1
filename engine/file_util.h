/*
 * file_util.h — the host's one whole-file reader.
 *
 * read_whole_file() reads a file into memory, refusing it before reading
 * when it is larger than max_bytes. It is what the CLI uses for workflow
 * definitions, input files and documents, the engine for the workflow
 * directory and an activity's files, and the loader for `yogi validate`.
 *
 * Errors are named so that each caller can put them in its own words; the
 * cause does not repeat the path, which the caller knows:
 *   File.Unreadable  the path cannot be opened or read, or is a directory
 *   File.TooLarge    more than max_bytes (also a pipe that keeps going)
 *   File.NoMemory    the buffer cannot be allocated
 */
#ifndef YOGI_FILE_UTIL_H
#define YOGI_FILE_UTIL_H

#include <stddef.h>

#include "yogi/plugin.h"

#define FILE_ERR_UNREADABLE "File.Unreadable"
#define FILE_ERR_TOO_LARGE "File.TooLarge"
#define FILE_ERR_NO_MEMORY "File.NoMemory"

/* The file's bytes, NUL-terminated (the NUL not counted in *len), to be
 * freed by the caller; NULL with err filled on failure. */
char *read_whole_file(const char *path, size_t max_bytes, size_t *len, yogi_error *err);

#endif
