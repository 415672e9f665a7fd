/* Shows which of the two kconfig variants was booted. */
#include <uk/config.h>
#include <stdio.h>

int main(void)
{
	printf("%s\n", CONFIG_APPTWOCONFIGS_GREETING);
#if CONFIG_APPTWOCONFIGS_VERBOSE
	printf("config: verbose\n");
	printf("image %s, CONFIG_APPTWOCONFIGS_VERBOSE=y\n", CONFIG_UK_NAME);
#else
	printf("config: quiet\n");
#endif
	return 0;
}
