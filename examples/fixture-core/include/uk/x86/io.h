#ifndef __UK_X86_IO_H__
#define __UK_X86_IO_H__

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void __attribute__((noreturn)) x86_halt(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

/* COM1 (plat/common/x86/serial.c) */
void serial_init(void);
void serial_putc(char c);
void x86_traps_init(void);

#endif
