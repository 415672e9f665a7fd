/* The base runtime: a kernel other apps ship with their own rootfs and command line. Like a tiny `cat`, it prints
 * each argument and, when the initrd has that file, the file: so a boot shows the rootfs reached the kernel. */
#include <stdio.h>
#include <uk/initrd.h>

int main(int argc, char *argv[])
{
	unsigned long size, i;
	const char *data;
	int arg;

	printf("base runtime ready\n");
	for (arg = 1; arg < argc; arg++) {
		printf("cmd[%d] = %s\n", arg, argv[arg]);
		data = uk_initrd_file(argv[arg], &size);
		if (!data) {
			if (uk_initrd_size())
				printf("%s: not in the initrd\n", argv[arg]);
			continue;
		}
		printf("--- %s (%lu bytes) ---\n", argv[arg], size);
		for (i = 0; i < size; i++)
			putchar(data[i]);
		if (size && data[size - 1] != '\n')
			putchar('\n');
	}
	return 0;
}
