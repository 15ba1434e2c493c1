/*
 * jsonata_format_number.c — $formatNumber (XPath F&O 4.7 format-number).
 */
#include "jsonata_internal.h"

jv *jf_format_number(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_format_number(jctx *c, jv **args, int n, jv *input, size_t pos)
{
    jerr(c, "D3080", pos, "$formatNumber: not implemented");
}
