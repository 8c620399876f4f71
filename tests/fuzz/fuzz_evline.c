/* fuzz_evline.c — the hot path's line (lib/evline.c) equals the jv path's
 * line for any name and base64 text: input = one rate selector byte, the
 * name, '\n', the data text.  A name the dumper would escape is refused
 * (LP2P_EINVAL) and then only then. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/evline_ref.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static bool
plain(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ||
		    *s == '"' || *s == '\\')
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const double rates[] = { 0, 1, 100, 65535, 1e15, 0.5, 1e-7,
	    12.75 };
	struct evline_buf e = { 0 };
	struct lp2p_line_sink sink = { evline_buf_reserve, evline_buf_commit,
	    &e };
	struct lp2p_buf want = { 0 };
	const char *nl;
	char *name;
	double rate;
	size_t nlen;
	int rc;

	if (len < 1)
		return 0;
	rate = rates[data[0] % (sizeof(rates) / sizeof(rates[0]))];
	data++;
	len--;
	nl = memchr(data, '\n', len);
	nlen = nl != NULL ? (size_t)(nl - (const char *)data) : len;
	if ((name = malloc(nlen + 1)) == NULL)
		return 0;
	memcpy(name, data, nlen);
	name[nlen] = '\0';
	data += nlen;
	len -= nlen;
	if (len > 0) {
		data++;
		len--;
	}
	rc = lp2p__evline_message(&sink, "2026-12-04T05:31:20.963Z",
	    "127.0.0.1:5000", name, (const char *)data, len, rate);
	if ((rc == 0) != plain(name))
		__builtin_trap();
	if (rc == 0) {
		if (evline_ref(&want, "2026-12-04T05:31:20.963Z",
		    "127.0.0.1:5000", name, (const char *)data, len, rate) != 0)
			__builtin_trap();
		if (e.commits != 1 || e.b.len != want.len ||
		    memcmp(e.b.p, want.p, want.len) != 0)
			__builtin_trap();
	}
	free(want.p);
	free(e.b.p);
	free(name);
	return 0;
}
