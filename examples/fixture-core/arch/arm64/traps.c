/* Every exception taken to EL1 is a crash. */
#include <uk/plat.h>

static const char *const kinds[4] = { "synchronous", "IRQ", "FIQ", "SError" };

static const char *ec_name(unsigned long ec)
{
	switch (ec) {
	case 0x00: return "unknown/undefined instruction";
	case 0x15: return "SVC";
	case 0x20: case 0x21: return "instruction abort";
	case 0x22: return "PC alignment";
	case 0x24: case 0x25: return "data abort";
	case 0x26: return "SP alignment";
	case 0x3c: return "BRK";
	}
	return "other";
}

void arm64_trap(unsigned long idx, unsigned long esr, unsigned long elr,
		unsigned long far)
{
	unsigned long ec = esr >> 26;

	ukboot_crash("exception %s, EC 0x%lx (%s) at 0x%lx, FAR 0x%lx",
		     kinds[idx & 3], ec, ec_name(ec), elr, far);
}
