/*
 * fuzz_liskcore.c — Lisk Core 4 payload decoding (p2p-watch --decode) on
 * arbitrary bytes.  The first byte picks the event or procedure, the
 * rest is the payload.
 */
#include <stdint.h>
#include <stdlib.h>

#include "liskp2p.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct { int kind; const char *name; } targets[] = {
	{ LP2P_LC_EVENT, "postBlock" },
	{ LP2P_LC_EVENT, "postTransactionsAnnouncement" },
	{ LP2P_LC_EVENT, "postSingleCommitMessages" },
	{ LP2P_LC_EVENT, "postNodeInfo" },
	{ LP2P_LC_REQUEST, "getHighestCommonBlock" },
	{ LP2P_LC_REQUEST, "getBlocksFromId" },
	{ LP2P_LC_REQUEST, "getTransactions" },
	{ LP2P_LC_REQUEST, "getLegacyBlocksFromId" },
	{ LP2P_LC_RESPONSE, "getLastBlock" },
	{ LP2P_LC_RESPONSE, "getHighestCommonBlock" },
	{ LP2P_LC_RESPONSE, "getBlocksFromId" },
	{ LP2P_LC_RESPONSE, "getTransactions" },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct lp2p_liskcore *lc;
	size_t t;
	jv out;

	if (lc == NULL && lp2p_liskcore_new(&lc, NULL) != 0)
		abort();
	if (len == 0)
		return 0;
	t = data[0] % (sizeof(targets) / sizeof(targets[0]));
	lp2p_liskcore_decode(lc, targets[t].kind, targets[t].name, data + 1,
	    len - 1, &out, NULL);
	jv_free(out);
	return 0;
}
