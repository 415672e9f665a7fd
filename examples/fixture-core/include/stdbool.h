#ifndef __FIXTURE_STDBOOL_H__
#define __FIXTURE_STDBOOL_H__

#define bool _Bool
#define true 1
#define false 0

#endif
