#ifndef __FIXTURE_STDIO_H__
#define __FIXTURE_STDIO_H__

#include <stddef.h>
#include <stdarg.h>

/* Output goes to the platform console.  Formats: %s %d %i %u %x %X %p %c %%,
 * with the l, ll and z length modifiers and an optional width ("%08x"). */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int puts(const char *s);
int putchar(int c);

#endif
