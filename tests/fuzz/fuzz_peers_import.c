/*
 * fuzz_peers_import.c — the records p2p-peers reads with `import FILE` and
 * `add -`: lines of HOST:PORT, an export or crawl line, or a peerInfo
 * object, read by the program's own read_records (cmd/p2p-peers.c is
 * compiled into this file, its main renamed, its diagnostics silenced),
 * then applied to an empty book as `import` does: first byte bit 0 with
 * --list fixed, bit 1 with a --source.  Checks: every record read is a
 * valid IPv4 address and port, bad lines are counted within MAX_BAD,
 * nothing leaks.
 */
#include <err.h>
#include <stdarg.h>

/* the program's warnings are its output, not findings: keep them quiet */
#define vwarnx(fmt, ap)	((void)(fmt), (void)(ap))
#define warnx(...)	((void)0)
#define main		p2p_peers_main
#include "../../cmd/p2p-peers.c"
#include "internal.h"
#undef main

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct lp2p_book *b;
	struct lp2p_err e;
	static char path[] = "fuzz";
	struct recs rs;
	FILE *f;

	if (len < 2)
		return 0;
	memset(&o, 0, sizeof(o));
	o.now = 1700000000000ULL;
	o.path = path;
	if (data[0] & 2)
		o.source = "10.0.0.1";
	if ((f = fmemopen((void *)(uintptr_t)(data + 1), len - 1, "r")) ==
	    NULL)
		abort();
	memset(&rs, 0, sizeof(rs));
	read_records(f, "fuzz", &rs);
	fclose(f);
	if (rs.bad > MAX_BAD)
		abort();
	for (size_t i = 0; i < rs.n; i++)
		if (!lp2p_ipv4_is_valid(rs.v[i].ip) || rs.v[i].port == 0)
			abort();
	if (lp2p_book_new(&b, 12345, &e) != 0)
		abort();
	apply_records(b, &rs, (data[0] & 1) ? LP2P_LIST_FIXED : -1);
	lp2p_book_free(b);
	recs_free(&rs);
	return 0;
}
