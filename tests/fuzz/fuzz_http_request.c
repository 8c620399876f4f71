/*
 * fuzz_http_request.c — an HTTP request as p2p-node answers it: the head
 * read by the server side of the upgrade parser (http-parser, 16 KiB
 * limit) in reads of a size picked by the first byte, then, for a head
 * that gets a 101, the handshake query of its target (WIRE.md §2.3:
 * networkVersion, chainID, nonce, advertiseAddress, port) and the
 * compatibility check that decides 4104.  fuzz_ws_head covers the client
 * side (the answer to our upgrade) too.
 *
 * The programs answer no other HTTP request yet; a metrics endpoint's
 * request parser needs its own target once it exists.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "peer.h"
#include "ws.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const struct lp2p_peer_self self = {
		.chain_id = { 0, 0, 0, 0 }, .chain_id_len = 4,
		.network_version = "1.0", .nonce = "0123456789abcdef",
		.advertise_address = true, .port = 7667,
	};
	struct lp2p_ws_head h;
	struct lp2p_peer_query q;
	char reason[256];
	size_t chunk, off = 0;
	int code;

	if (len == 0)
		return 0;
	chunk = (size_t)data[0] * 64 + 1;
	lp2p__ws_head_init(&h, false);
	data++;
	len--;
	while (off < len && !h.done) {
		size_t n = len - off < chunk ? len - off : chunk;
		size_t used = lp2p__ws_head_feed(&h, (const char *)data + off,
		    n);

		if (used > n)
			abort();
		if (!h.done && used != n)
			break;
		off += used;
	}
	if (h.done && !h.hang && h.status != 101 && h.status != 400 &&
	    h.status != 431)
		abort();		/* the server answers only these */
	if (h.done && !h.hang && h.status == 101) {
		if (h.url == NULL || strlen(h.key) != LP2P_WS_KEY_LEN)
			abort();
		code = lp2p__peer_query_parse(h.url, &q, "127.0.0.1", reason,
		    sizeof(reason));
		if (code != 0 && code != 4502 && code != 4105 &&
		    code != LP2P_ENOMEM)
			abort();
		if (code == 0 && q.port == 0)
			abort();
		if (code == 0) {
			q.network_version[sizeof(q.network_version) - 1] = '\0';
			code = lp2p__peer_compatible(&self, q.chain_id,
			    q.chain_id_len, q.network_version, reason,
			    sizeof(reason));
			if (code != 0 && code != 4104)
				abort();
		}
	}
	lp2p__ws_head_release(&h);
	return 0;
}
