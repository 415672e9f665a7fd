#include <fmt.h>
#include <string.h>

int fmt_group(char *out, size_t size, const char *digits, char sep)
{
	size_t n = strlen(digits), len = n + (n ? (n - 1) / 3 : 0), i, o = 0;

	if (len + 1 > size)
		return -1;
	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = sep;
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return (int)o;
}
