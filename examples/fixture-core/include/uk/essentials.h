#ifndef __UK_ESSENTIALS_H__
#define __UK_ESSENTIALS_H__

#define __noreturn __attribute__((noreturn))
#define __unused __attribute__((unused))
#define __used __attribute__((used))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
