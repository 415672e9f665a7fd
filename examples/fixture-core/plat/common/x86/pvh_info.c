/* The PVH start_info (Firecracker, Xen): the command line and the first
 * module, which is the initrd.  Layout from Xen's public/arch-x86/hvm/start_info.h. */
#include <stdint.h>
#include <uk/plat.h>
#include "pvh_info.h"

#define XEN_HVM_START_MAGIC_VALUE	0x336ec578

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

void pvh_boot_info(unsigned long info)
{
	const struct hvm_start_info *si = (const struct hvm_start_info *)info;

	if (!si || si->magic != XEN_HVM_START_MAGIC_VALUE)
		return;
	if (si->cmdline_paddr)
		ukboot_set_cmdline((const char *)(unsigned long)si->cmdline_paddr);
	if (si->nr_modules > 0 && si->modlist_paddr) {
		const struct hvm_modlist_entry *mod =
			(const struct hvm_modlist_entry *)(unsigned long)si->modlist_paddr;

		if (mod->size)
			ukboot_set_initrd((const void *)(unsigned long)mod->paddr,
					  (unsigned long)mod->size);
	}
}
