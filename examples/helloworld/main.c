#include <stdio.h>
#include <stdlib.h>

int main(int argc, char *argv[])
{
	const char *who = getenv("HELLO_WHO");
	int i;

	printf("Hello, world!\n");
	for (i = 0; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	if (who)
		printf("HELLO_WHO = %s\n", who);
	return 0;
}
