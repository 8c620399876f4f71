/*
 * cli_decode.c — --decode of p2p-watch and p2p-send (see cli_decode.h).
 */
#include <stdlib.h>

#include "liskp2p.h"
#include "cli_decode.h"

jv
cli_decode(const struct lp2p_liskcore *lc, int kind, const char *name,
    jv data, jv o)
{
	struct lp2p_err e;
	uint8_t *b = NULL;
	long n = 0;
	jv out;
	int rc;

	if (jv_get_kind(data) == JV_KIND_STRING &&
	    (n = lp2p_hex_decode(jv_string_value(data),
	    (size_t)jv_string_length_bytes(jv_copy(data)), &b)) < 0)
		return o;
	rc = lp2p_liskcore_decode(lc, kind, name, b, (size_t)n, &out, &e);
	free(b);
	if (rc == 0)
		return jv_object_set(o, jv_string("decoded"), out);
	if (rc != LP2P_ENOTFOUND)
		o = jv_object_set(o, jv_string("decodeError"),
		    jv_string(e.msg));
	return o;
}
