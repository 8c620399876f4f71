/* fuzz_sc_screen.c — the server-side SocketCluster screening and the
 * client-side decoder on arbitrary message text. */
#include <stddef.h>
#include <stdint.h>

#include "sc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char why[128];
	jv v;

	if (lp2p__sc_screen((const char *)data, len, &v, why, sizeof(why)) ==
	    0 && jv_get_kind(v) != JV_KIND_OBJECT)
		__builtin_trap();
	jv_free(v);
	(void)lp2p__sc_decode((const char *)data, len, &v);
	jv_free(v);
	return 0;
}
