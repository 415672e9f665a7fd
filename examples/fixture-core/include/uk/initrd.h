#ifndef __UK_INITRD_H__
#define __UK_INITRD_H__

/* The initrd: the cpio newc archive the boot loader passed (-initrd: a
 * multiboot module, the device tree's linux,initrd-* on arm64, a PVH module)
 * or the one embedded in the image (CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD). */

/* Its size in bytes; 0 when there is none. */
unsigned long uk_initrd_size(void);

/* Number of entries, or -1 when it is not a well-formed newc archive. */
int uk_initrd_entries(void);

/* A regular file's contents ("/etc/x", "etc/x" and "./etc/x" are the same
 * path), its size in *size; NULL when there is no such file. */
const char *uk_initrd_file(const char *path, unsigned long *size);

#endif
