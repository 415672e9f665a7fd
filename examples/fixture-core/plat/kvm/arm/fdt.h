#ifndef __FDT_H__
#define __FDT_H__

/* Hands the device tree's /chosen bootargs and initrd to ukboot. */
void fdt_boot_info(const void *dtb);

#endif
