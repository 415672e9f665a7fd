/* Build information; UK_HOSTUTC is set by the Makefile from HOSTUTC. */
const char ukboot_hostutc[] = UK_HOSTUTC;
