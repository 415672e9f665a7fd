#ifndef __FMT_H__
#define __FMT_H__

#include <stddef.h>

/* Copies a string of decimal digits to out, with sep between groups of
 * three ("1234567" -> "1,234,567").  Returns the length, -1 if too small. */
int fmt_group(char *out, size_t size, const char *digits, char sep);

#endif
