#ifndef __FIXTURE_STDLIB_H__
#define __FIXTURE_STDLIB_H__

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

/* Variables come from CONFIG_LIBPOSIX_ENVIRON_ENVP1..15 ("NAME=value"). */
char *getenv(const char *name);
extern char **environ;

void exit(int status) __attribute__((noreturn));
void abort(void) __attribute__((noreturn));
int atoi(const char *s);

#endif
