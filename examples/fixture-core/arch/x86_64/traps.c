/* Interrupt descriptor table: every CPU exception is a crash. */
#include <stdint.h>
#include <uk/essentials.h>
#include <uk/plat.h>
#include <uk/x86/io.h>

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

extern const uint64_t x86_trap_stubs[32];
static struct idt_gate idt[32] __attribute__((aligned(16)));

static const char *const names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range exceeded", "invalid opcode", "device not available",
	"double fault", "coprocessor segment overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 floating point", "alignment check",
	"machine check", "SIMD floating point", "virtualization",
	"control protection",
};

void x86_traps_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof(idt) - 1, (uint64_t)idt };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(idt); i++) {
		uint64_t a = x86_trap_stubs[i];

		idt[i].offset_low = a & 0xffff;
		idt[i].selector = 0x08;
		idt[i].type = 0x8e;	/* present, DPL 0, interrupt gate */
		idt[i].offset_mid = (a >> 16) & 0xffff;
		idt[i].offset_high = a >> 32;
	}
	__asm__ __volatile__("lidt %0" : : "m"(ptr));
}

void x86_trap(unsigned long vector, unsigned long error, unsigned long rip)
{
	ukboot_crash("exception %lu (%s) at 0x%lx, error code 0x%lx",
		     vector, names[vector] ? names[vector] : "reserved",
		     rip, error);
}
