/*
 * fuzz_bookfile.c — the PeerBook file parser on arbitrary bytes.  A file
 * that loads must also render, reload to the same content, and survive
 * the selection functions.  The fast reader and the general (libjq) one
 * must agree on every input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liskp2p.h"
#include "book.h"
#include "internal.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct lp2p_book *b, *c = NULL;
	struct lp2p_book_entry out[8];
	struct lp2p_err err;
	jv v, s;

	int fast, slow;

	if (len > LP2P_BOOK_MAX_FILE)
		return 0;
	slow = lp2p__book_load_jv(&c, (const char *)data, len, "fuzz", &err);
	fast = lp2p_book_load_mem(&b, (const char *)data, len, "fuzz", &err);
	if ((fast == 0) != (slow == 0))
		abort();	/* the two readers disagree */
	if (fast == 0 && lp2p_book_count(b, 6) != lp2p_book_count(c, 6))
		abort();
	lp2p_book_free(c);
	if (fast != 0)
		return 0;
	v = lp2p_book_to_jv(b, 1);
	s = jv_dump_string(v, 0);
	if (lp2p_book_load_mem(&c, jv_string_value(s),
	    (size_t)jv_string_length_bytes(jv_copy(s)), "again", &err) != 0)
		abort();	/* what we write, we must read */
	if (lp2p_book_count(b, 6) != lp2p_book_count(c, 6))
		abort();
	jv_free(s);
	(void)lp2p_book_select_connect(b, NULL, 0, 8, out, 8);
	(void)lp2p_book_sample(b, 8, out);
	lp2p_book_free(b);
	lp2p_book_free(c);
	return 0;
}
