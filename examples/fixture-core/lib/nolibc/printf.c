/* A small printf: %s %d %i %u %x %X %p %c %%, length l/ll/z, width, '0' and '-'. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <uk/plat.h>

struct out {
	char *buf;		/* NULL: write to the console */
	size_t size, len;
};

static void emit(struct out *o, char c)
{
	if (!o->buf)
		plat_console_putc(c);
	else if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void emit_padded(struct out *o, const char *s, size_t n, int width,
			int left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			emit(o, pad);
	while (n--)
		emit(o, *s++);
	if (left)
		while (fill-- > 0)
			emit(o, ' ');
}

static void format(struct out *o, const char *fmt, va_list ap)
{
	char tmp[24];

	for (; *fmt; fmt++) {
		int left = 0, width = 0, longs = 0, neg = 0;
		char pad = ' ', *p;
		unsigned long long v;
		unsigned int base;
		const char *s;

		if (*fmt != '%') {
			emit(o, *fmt);
			continue;
		}
		fmt++;
		for (; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				left = 1;
			else
				pad = '0';
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			longs++;

		switch (*fmt) {
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			emit_padded(o, s, strlen(s), width, left, ' ');
			continue;
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			emit_padded(o, tmp, 1, width, left, ' ');
			continue;
		case 'd':
		case 'i': {
			long long sv = longs >= 2 ? va_arg(ap, long long)
				     : longs ? va_arg(ap, long) : va_arg(ap, int);

			neg = sv < 0;
			v = neg ? -(unsigned long long)sv : (unsigned long long)sv;
			base = 10;
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			v = longs >= 2 ? va_arg(ap, unsigned long long)
			  : longs ? va_arg(ap, unsigned long)
			  : va_arg(ap, unsigned int);
			base = *fmt == 'u' ? 10 : 16;
			break;
		case 'p':
			v = (uintptr_t)va_arg(ap, void *);
			base = 16;
			emit(o, '0');
			emit(o, 'x');
			break;
		case '%':
			emit(o, '%');
			continue;
		case '\0':
			return;
		default:		/* unknown: print it as it was */
			emit(o, '%');
			emit(o, *fmt);
			continue;
		}

		p = tmp + sizeof(tmp);
		do {
			unsigned int d = v % base;

			*--p = (char)(d < 10 ? '0' + d
				      : (*fmt == 'X' ? 'A' : 'a') + d - 10);
			v /= base;
		} while (v);
		if (neg) {
			if (pad == '0') {
				emit(o, '-');
				width--;
			} else {
				*--p = '-';
			}
		}
		emit_padded(o, p, tmp + sizeof(tmp) - p, width, left, pad);
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	format(&o, fmt, ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	struct out o = { NULL, 0, 0 };

	format(&o, fmt, ap);
	return (int)o.len;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int putchar(int c)
{
	plat_console_putc((char)c);
	return (unsigned char)c;
}

int puts(const char *s)
{
	while (*s)
		plat_console_putc(*s++);
	plat_console_putc('\n');
	return 0;
}
