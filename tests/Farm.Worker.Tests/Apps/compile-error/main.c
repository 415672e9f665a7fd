/* Fault app: does not compile (undeclared identifier, missing semicolon). */
#include <stdio.h>

int main(void)
{
	printf("%d\n", this_is_not_declared)
	return 0;
}
