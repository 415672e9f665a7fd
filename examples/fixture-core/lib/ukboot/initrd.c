/* Reads the initrd as a cpio "newc" archive (what the farm packages): each
 * entry is a 110-byte header of "070701" and 13 eight-digit hex fields, the
 * NUL-terminated name, the data; header+name and data are padded to 4 bytes.
 * "TRAILER!!!" ends it.  Every length is checked against the archive's end. */
#include <uk/config.h>
#include <uk/initrd.h>
#include <uk/plat.h>
#include <string.h>

#define CPIO_HEADER	110
#define CPIO_MODE	1	/* field indexes */
#define CPIO_FILESIZE	6
#define CPIO_NAMESIZE	11
#define S_IFMT		0170000
#define S_IFREG		0100000

static const char *initrd_base;
static unsigned long initrd_length;

#if CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD || CONFIG_LIBVFSCORE_AUTOMOUNT_CI_EINITRD
extern const char uk_einitrd_start[], uk_einitrd_end[];	/* einitrd.S */
#endif

void ukboot_set_initrd(const void *base, unsigned long length)
{
	initrd_base = base;
	initrd_length = length;
}

static const char *initrd(unsigned long *length)
{
#if CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD || CONFIG_LIBVFSCORE_AUTOMOUNT_CI_EINITRD
	if (!initrd_base) {
		*length = (unsigned long)(uk_einitrd_end - uk_einitrd_start);
		return uk_einitrd_start;
	}
#endif
	*length = initrd_base ? initrd_length : 0;
	return initrd_base;
}

unsigned long uk_initrd_size(void)
{
	unsigned long length;

	initrd(&length);
	return length;
}

static int hex_field(const char *header, int index, unsigned long *value)
{
	const char *p = header + 6 + 8 * index;
	int i;

	*value = 0;
	for (i = 0; i < 8; i++) {
		char c = p[i];
		unsigned int digit;

		if (c >= '0' && c <= '9')
			digit = c - '0';
		else if (c >= 'a' && c <= 'f')
			digit = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			digit = c - 'A' + 10;
		else
			return -1;
		*value = (*value << 4) | digit;
	}
	return 0;
}

static unsigned long align4(unsigned long n)
{
	return (n + 3) & ~3UL;
}

static const char *strip_prefix(const char *path)
{
	for (;;) {
		if (path[0] == '/')
			path++;
		else if (path[0] == '.' && path[1] == '/')
			path += 2;
		else
			return path;
	}
}

/* Walks the archive; calls visit() for each entry until it returns non-zero.
 * Returns the number of entries, or -1 when the archive is malformed. */
static int walk(int (*visit)(const char *name, unsigned long mode,
			     const char *data, unsigned long size, void *arg),
		void *arg)
{
	unsigned long length, offset = 0;
	const char *base = initrd(&length);
	int entries = 0;

	if (!base)
		return 0;
	for (;;) {
		const char *header = base + offset;
		unsigned long mode, size, namesize, data;

		if (length - offset < CPIO_HEADER || memcmp(header, "070701", 6) != 0)
			return -1;
		if (hex_field(header, CPIO_MODE, &mode)
		    || hex_field(header, CPIO_FILESIZE, &size)
		    || hex_field(header, CPIO_NAMESIZE, &namesize))
			return -1;
		if (namesize == 0 || namesize > length - offset - CPIO_HEADER
		    || header[CPIO_HEADER + namesize - 1] != '\0')
			return -1;
		data = align4(offset + CPIO_HEADER + namesize);
		if (data > length || size > length - data)
			return -1;
		if (strcmp(header + CPIO_HEADER, "TRAILER!!!") == 0)
			return entries;
		entries++;
		if (visit && visit(header + CPIO_HEADER, mode, base + data, size, arg))
			return entries;
		offset = align4(data + size);
		if (offset > length)
			return -1;
	}
}

int uk_initrd_entries(void)
{
	return walk(0, 0);
}

struct lookup {
	const char *path;
	const char *data;
	unsigned long size;
};

static int match(const char *name, unsigned long mode, const char *data,
		 unsigned long size, void *arg)
{
	struct lookup *lookup = arg;

	if ((mode & S_IFMT) != S_IFREG
	    || strcmp(strip_prefix(name), lookup->path) != 0)
		return 0;
	lookup->data = data;
	lookup->size = size;
	return 1;
}

const char *uk_initrd_file(const char *path, unsigned long *size)
{
	struct lookup lookup = { strip_prefix(path), 0, 0 };

	if (walk(match, &lookup) < 0 || !lookup.data)
		return 0;
	*size = lookup.size;
	return lookup.data;
}
