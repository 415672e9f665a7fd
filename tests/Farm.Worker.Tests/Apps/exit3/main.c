/* Fault app: prints a line and exits with status 3. */
#include <stdio.h>

int main(void)
{
	printf("exiting with status 3\n");
	return 3;
}
