/* fuzz_ws_head.c — the WebSocket upgrade head parser, as a server reads a
 * request and as a client reads a response; first byte picks the mode and
 * the chunk size, so partial reads are covered too. */
#include <stddef.h>
#include <stdint.h>

#include "ws.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct lp2p_ws_head h;
	size_t chunk, off = 0;

	if (len == 0)
		return 0;
	chunk = (data[0] & 0x7f) + 1;
	lp2p__ws_head_init(&h, (data[0] & 0x80) != 0);
	data++;
	len--;
	while (off < len && !h.done) {
		size_t n = len - off < chunk ? len - off : chunk;
		size_t used = lp2p__ws_head_feed(&h, (const char *)data + off, n);

		if (used > n)
			__builtin_trap();
		if (!h.done && used != n)
			break;		/* parser error without done: stop */
		off += used;
	}
	if (h.done && !h.hang && (h.status < 0 || h.status > 999))
		__builtin_trap();
	lp2p__ws_head_release(&h);
	return 0;
}
