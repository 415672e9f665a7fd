#ifndef __PVH_INFO_H__
#define __PVH_INFO_H__

/* Hands the PVH start_info's command line and initrd to ukboot. */
void pvh_boot_info(unsigned long info);

#endif
