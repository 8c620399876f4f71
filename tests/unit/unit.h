/* unit.h — what every cmocka unit test includes. */
#ifndef LP2P_UNIT_H
#define LP2P_UNIT_H

#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "liskp2p.h"
#include "internal.h"

/*
 * Shared helpers, static inline: the Makefile builds each test_*.c
 * alone, and a test that does not use one gets no warning.
 */

/* tests/vectors/<name> (from $LISKP2P_TOP, else .) parsed; fails if not. */
static inline jv
unit_load_vectors(const char *name)
{
	const char *top = getenv("LISKP2P_TOP");
	char path[1024];
	FILE *f;
	char *buf;
	long n;
	jv v;

	snprintf(path, sizeof(path), "%s/tests/vectors/%s",
	    top != NULL ? top : ".", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	v = jv_parse_sized(buf, (int)n);
	free(buf);
	assert_true(jv_is_valid(v));
	return v;
}

/* a and b (both consumed) equal, else fail showing both (what may be ""). */
static inline void
unit_assert_jv_equal(jv a, jv b, const char *what)
{
	if (!jv_equal(jv_copy(a), jv_copy(b))) {
		jv sa = jv_dump_string(a, 0), sb = jv_dump_string(b, 0);

		fail_msg("%s%sgot %.400s\nwant %.400s", what,
		    *what != '\0' ? ": " : "", jv_string_value(sa),
		    jv_string_value(sb));
	}
	jv_free(a);
	jv_free(b);
}

#endif
