/* The base runtime: a kernel other apps ship with their own rootfs and command line. */
#include <stdio.h>

int main(int argc, char *argv[])
{
	int i;

	printf("base runtime ready\n");
	for (i = 1; i < argc; i++)
		printf("cmd[%d] = %s\n", i, argv[i]);
	return 0;
}
