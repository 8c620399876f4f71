/*
 * fuzz_ws_frames.c — WebSocket frames after the upgrade: the bytes a peer
 * sends on an open connection, through ws.c's reading path (on_read, wslay,
 * cb_msg, the close and kill logic) on a connection without a socket
 * (lp2p__ws_test_open).  First byte: bit 7 client side (frames from a
 * server, unmasked) or server side (masked frames from a client); bits
 * 0-3 the read size (1 << k bytes per read); bits 4-6 max_payload (small
 * values reach the 1009 path).  Then the stream, ended by EOF.  Checks:
 * every message fits max_payload, on_closed comes exactly once, nothing
 * leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "internal.h"
#include "ws.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uv_loop_t loop;
static size_t max_payload;
static int closed;
static unsigned sum;

static void
on_message(struct lp2p_ws *ws, const uint8_t *p, size_t n, bool text,
    void *arg)
{
	(void)ws; (void)text; (void)arg;
	if (n > max_payload || (n > 0 && p == NULL))
		abort();
	for (size_t i = 0; i < n; i++)	/* every byte readable */
		sum += p[i];
}

static void
on_control(struct lp2p_ws *ws, int opcode, void *arg)
{
	(void)ws; (void)arg;
	if (opcode != 0x9 && opcode != 0xa)
		abort();
}

static void
on_closed(struct lp2p_ws *ws, int code, const char *reason, bool by_us,
    void *arg)
{
	(void)ws; (void)by_us; (void)arg;
	if (code < 1000 || code > 4999 || reason == NULL)
		abort();
	closed++;
}

static const struct lp2p_ws_cb cbs = { NULL, on_message, on_control,
    on_closed };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const size_t payloads[8] = { 0, 1, 16, 125, 126, 65535,
	    65536, 70000 };
	struct lp2p_ws_opts o;
	struct lp2p_ws *ws;
	size_t chunk, off;

	if (len == 0)
		return 0;
	if (loop.data == NULL) {
		if (uv_loop_init(&loop) != 0)
			abort();
		loop.data = &loop;
	}
	memset(&o, 0, sizeof(o));
	o.max_payload = payloads[(data[0] >> 4) & 7];
	max_payload = o.max_payload ? o.max_payload : LP2P_WS_MAX_PAYLOAD;
	o.max_queue = 1 << 20;
	chunk = (size_t)1 << (data[0] & 0xf);
	closed = 0;
	if ((ws = lp2p__ws_test_open(&loop, &o, (data[0] & 0x80) != 0, &cbs,
	    NULL)) == NULL) {
		uv_run(&loop, UV_RUN_DEFAULT);
		return 0;
	}
	data++;
	len--;
	for (off = 0; off < len && closed == 0; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		lp2p__ws_test_read(ws, data + off, (ssize_t)n);
		/* a kill closes the handles: let the loop finish it */
		uv_run(&loop, UV_RUN_NOWAIT);
	}
	if (closed == 0)
		lp2p__ws_test_read(ws, NULL, UV_EOF);
	uv_run(&loop, UV_RUN_DEFAULT);
	if (closed != 1)
		abort();
	lp2p__ws_free(ws);
	return 0;
}
