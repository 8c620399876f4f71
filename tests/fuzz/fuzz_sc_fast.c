/* fuzz_sc_fast.c — the parser-free envelope screen never accepts what the
 * full screen rejects, and gives the same value when it accepts. */
#include <stddef.h>
#include <stdint.h>

#include "sc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char *s = (const char *)data;
	char why[128];
	jv f, v;
	int rf, rs;

	rf = lp2p__sc_screen_fast(s, len, &f);
	rs = lp2p__sc_screen_slow(s, len, &v, why, sizeof(why));
	if (rf == 0 && (rs != 0 || !jv_equal(jv_copy(f), jv_copy(v))))
		__builtin_trap();
	if (rf != 0 && rf != -1)
		__builtin_trap();
	jv_free(f);
	jv_free(v);
	return 0;
}
