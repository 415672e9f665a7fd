/* Common start-up: print the banner, run main(), exit with its status. */
#include <uk/config.h>
#include <uk/plat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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

void ukboot_start(int argc, char *argv[])
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(config_env); i++)
		if (config_env[i][0] != '\0')
			env[n++] = config_env[i];
	env[n] = NULL;

	printf("Powered by Unikraft fixture-core 0.1 (%s/%s, built %s)\n",
	       PLAT_NAME, ARCH_NAME, ukboot_hostutc);
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
