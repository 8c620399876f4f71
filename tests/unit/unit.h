/* unit.h — what every cmocka unit test includes. */
#ifndef LP2P_UNIT_H
#define LP2P_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "liskp2p.h"
#include "internal.h"

#endif
