/* fuzz_metrics_req.c — the request reader of the metrics server: any
 * bytes, fed in chunks whose size the first byte picks; it must end in
 * one status of its documented set, never read past a chunk, never loop. */
#include <stddef.h>
#include <stdint.h>

#include "liskp2p.h"
#include "metrics_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct lp2p__mreq r;
	size_t chunk, off = 0;
	int status = 0;

	if (len == 0)
		return 0;
	chunk = data[0] + 1;
	data++;
	len--;
	lp2p__mreq_init(&r);
	while (off < len && status == 0) {
		size_t n = len - off < chunk ? len - off : chunk;

		status = lp2p__mreq_feed(&r, (const char *)data + off, n);
		off += n;
	}
	if (status != 0 && status != 200 && status != 400 && status != 404 &&
	    status != 405 && status != 431)
		__builtin_trap();
	if (r.pathlen >= sizeof(r.path))
		__builtin_trap();
	return 0;
}
