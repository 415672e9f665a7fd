/* Just enough of a flattened device tree reader for the boot information
 * QEMU puts in /chosen: bootargs and linux,initrd-start/-end.  The blob is
 * big-endian; every offset is checked against its header's totalsize. */
#include <stdint.h>
#include <string.h>
#include <uk/plat.h>
#include "fdt.h"

#define FDT_MAGIC	0xd00dfeed
#define FDT_BEGIN_NODE	1
#define FDT_END_NODE	2
#define FDT_PROP	3
#define FDT_NOP		4
#define FDT_END		9

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be_cell(const uint8_t *p, uint32_t len)
{
	return len == 8 ? (uint64_t)be32(p) << 32 | be32(p + 4) : be32(p);
}

void fdt_boot_info(const void *dtb)
{
	const uint8_t *blob = dtb;
	uint32_t total, structs, strings, strings_size, offset, depth = 0;
	int in_chosen = 0;
	uint64_t initrd_start = 0, initrd_end = 0;

	if (!blob || be32(blob) != FDT_MAGIC)
		return;
	total = be32(blob + 4);
	structs = be32(blob + 8);
	strings = be32(blob + 12);
	strings_size = be32(blob + 32);
	if (structs >= total || strings >= total || strings_size > total - strings)
		return;

	for (offset = structs; offset + 4 <= total;) {
		uint32_t token = be32(blob + offset);

		offset += 4;
		if (token == FDT_BEGIN_NODE) {
			const char *name = (const char *)blob + offset;
			uint32_t len = 0;

			while (offset + len < total && name[len])
				len++;
			depth++;
			if (depth == 2)
				in_chosen = len == 6 && memcmp(name, "chosen", 6) == 0;
			offset = (offset + len + 1 + 3) & ~3U;
		} else if (token == FDT_END_NODE) {
			if (depth == 2)
				in_chosen = 0;
			if (depth-- == 0)
				return;
		} else if (token == FDT_PROP) {
			uint32_t len, nameoff;
			const char *name;
			const uint8_t *value;

			if (offset + 8 > total)
				return;
			len = be32(blob + offset);
			nameoff = be32(blob + offset + 4);
			offset += 8;
			if (len > total - offset || nameoff >= strings_size)
				return;
			name = (const char *)blob + strings + nameoff;
			value = blob + offset;
			if (in_chosen) {
				if (strcmp(name, "bootargs") == 0 && len > 0 && value[len - 1] == '\0')
					ukboot_set_cmdline((const char *)value);
				else if (strcmp(name, "linux,initrd-start") == 0 && (len == 4 || len == 8))
					initrd_start = be_cell(value, len);
				else if (strcmp(name, "linux,initrd-end") == 0 && (len == 4 || len == 8))
					initrd_end = be_cell(value, len);
			}
			offset = (offset + len + 3) & ~3U;
		} else if (token == FDT_NOP) {
			continue;
		} else {
			break;	/* FDT_END, or garbage */
		}
	}
	if (initrd_end > initrd_start)
		ukboot_set_initrd((const void *)(uintptr_t)initrd_start,
				  (unsigned long)(initrd_end - initrd_start));
}
