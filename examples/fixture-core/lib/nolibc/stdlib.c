#include <stdlib.h>
#include <string.h>
#include <uk/plat.h>

char *getenv(const char *name)
{
	size_t len = strlen(name);
	char **e;

	for (e = environ; e && *e; e++)
		if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
			return *e + len + 1;
	return NULL;
}

int atoi(const char *s)
{
	int v = 0, neg = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}

void exit(int status)
{
	plat_exit(status);
}

void abort(void)
{
	ukboot_crash("abort() called");
}
