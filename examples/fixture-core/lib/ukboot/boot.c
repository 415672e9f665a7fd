/* Common start-up: print the banner, run main(), exit with its status. */
#include <uk/config.h>
#include <uk/plat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uk/initrd.h>

#if CONFIG_PLAT_LINUXU
#define PLAT_NAME "linuxu"
#elif CONFIG_PLAT_XEN
#define PLAT_NAME "xen"
#elif CONFIG_KVM_VMM_FIRECRACKER
#define PLAT_NAME "fc"
#else
#define PLAT_NAME "qemu"
#endif

#if CONFIG_ARCH_ARM_64
#define ARCH_NAME "arm64"
#else
#define ARCH_NAME "x86_64"
#endif

extern const char ukboot_hostutc[];	/* buildinfo.c */

/* The application's entry point; envp is an extra argument it may ignore. */
int main(int argc, char *argv[], char *envp[]);

#define ENVP(n) CONFIG_LIBPOSIX_ENVIRON_ENVP##n
static char *config_env[] = {
	ENVP(1), ENVP(2), ENVP(3), ENVP(4), ENVP(5), ENVP(6), ENVP(7), ENVP(8),
	ENVP(9), ENVP(10), ENVP(11), ENVP(12), ENVP(13), ENVP(14), ENVP(15),
};
static char *env[ARRAY_SIZE(config_env) + 1];
char **environ = env;

/* The command line's words: argv[1..]; after "--" if there is one (what
 * comes before it is for the kernel, as in Unikraft). */
#define MAX_ARGS 16
static char cmdline_copy[512];
static char *cmdline_argv[MAX_ARGS + 1];

void ukboot_set_cmdline(const char *cmdline)
{
	unsigned int i;

	for (i = 0; cmdline[i] && i < sizeof(cmdline_copy) - 1; i++)
		cmdline_copy[i] = cmdline[i];
	cmdline_copy[i] = '\0';
}

static int split_cmdline(char *program)
{
	char *p = cmdline_copy, *dashes = 0;
	int argc = 1, i;

	cmdline_argv[0] = program;
	while (*p && argc < MAX_ARGS) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		cmdline_argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	*p = '\0';
	for (i = 1; i < argc; i++)
		if (strcmp(cmdline_argv[i], "--") == 0)
			dashes = cmdline_argv[i];
	if (dashes) {
		for (i = 1; cmdline_argv[i] != dashes; i++)
			;
		memmove(&cmdline_argv[1], &cmdline_argv[i + 1],
			(argc - i) * sizeof(char *));
		argc -= i;
	}
	cmdline_argv[argc] = 0;
	return argc;
}

static void show_initrd(void)
{
	unsigned long size = uk_initrd_size();
	int entries;

	if (!size)
		return;
	entries = uk_initrd_entries();
	if (entries < 0)
		printf("initrd: %lu bytes, not a cpio newc archive\n", size);
	else
		printf("initrd: %lu bytes, %d entries\n", size, entries);
}

void ukboot_start(int argc, char *argv[])
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(config_env); i++)
		if (config_env[i][0] != '\0')
			env[n++] = config_env[i];
	env[n] = NULL;

	printf("Powered by Unikraft fixture-core 0.1 (%s/%s, built %s)\n",
	       PLAT_NAME, ARCH_NAME, ukboot_hostutc);
	show_initrd();
	if (cmdline_copy[0]) {
		argc = split_cmdline(argv[0]);
		argv = cmdline_argv;
	}
	exit(main(argc, argv, environ));
}

void ukboot_crash(const char *fmt, ...)
{
	static int crashing;
	va_list ap;

	if (!crashing++) {
		printf("\n[fixture] CRIT: crash: ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
	plat_exit(127);
}
