/* test_util.c — hex, base64 (Node's lenient decoder), errors, randomness. */
#include <errno.h>

#include "unit.h"

static void
test_hex(void **state)
{
	static const struct { const char *in; long n; } cases[] = {
		{ "", 0 }, { "00", 1 }, { "aBcD", 2 }, { "0", LP2P_EINVAL },
		{ "zz", LP2P_EINVAL }, { "0g", LP2P_EINVAL },
	};
	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		uint8_t *b;
		long n = lp2p_hex_decode(cases[i].in, strlen(cases[i].in), &b);

		assert_int_equal(n, cases[i].n);
		if (n >= 0) {
			char *s = lp2p_hex_encode(b, (size_t)n);
			assert_int_equal(strlen(s), strlen(cases[i].in));
			free(s);
		} else
			assert_null(b);
		free(b);
	}
}

static void
test_b64(void **state)
{
	/* expectations from Node's Buffer.from(s, 'base64') */
	static const struct { const char *in, *hex; } cases[] = {
		{ "", "" }, { "aGVsbG8gYmxvY2s=", "68656c6c6f20626c6f636b" },
		{ "InBvbmci", "22706f6e6722" }, { "AQI", "0102" },
		{ "A Q\nI=", "0102" }, { "-_8=", "fbff" }, { "AA==AA==", "00" },
		{ "!!!", "" }, { "QQ", "41" }, { "Q", "" },
	};
	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		uint8_t *b;
		long n = lp2p_b64_decode(cases[i].in, strlen(cases[i].in), &b);
		char *h;

		assert_true(n >= 0);
		h = lp2p_hex_encode(b, (size_t)n);
		assert_string_equal(h, cases[i].hex);
		free(h);
		free(b);
	}
}

static void
test_b64_roundtrip(void **state)
{
	uint8_t buf[64];

	(void)state;
	lp2p_rand_seed(42);
	for (size_t n = 0; n < sizeof(buf); n++) {
		uint8_t *back;
		char *s;

		lp2p_rand_buf(buf, n);
		s = lp2p_b64_encode(buf, n);
		assert_int_equal(strlen(s), (n + 2) / 3 * 4);
		assert_int_equal(lp2p_b64_decode(s, strlen(s), &back), (long)n);
		assert_memory_equal(back, buf, n);
		free(back);
		free(s);
	}
	lp2p_rand_seed(0);
}

static void
test_errf(void **state)
{
	struct lp2p_err e;

	(void)state;
	assert_int_equal(lp2p_errf(&e, LP2P_EINVAL, "x:%d", 3), LP2P_EINVAL);
	assert_string_equal(e.msg, "x:3");
	assert_int_equal(lp2p_errf(NULL, LP2P_EPROTO, "y"), LP2P_EPROTO);
	assert_string_equal(lp2p_strerror(LP2P_ETIMEDOUT), "timed out");
}

static void
test_err_name(void **state)
{
	static const struct { int code; const char *name; } cases[] = {
		{ 0, "0" }, { LP2P_EINVAL, "LP2P_EINVAL" },
		{ LP2P_ENOMEM, "LP2P_ENOMEM" }, { LP2P_EBANNED, "LP2P_EBANNED" },
		{ -ENOENT, "ENOENT" }, { -EPIPE, "EPIPE" },
		{ 1, "unknown" }, { -20000, "unknown" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(lp2p_err_name(cases[i].code),
		    cases[i].name);
	/* every LP2P_E* has its own name */
	for (int c = LP2P_ENOMEM; c <= LP2P_EINVAL; c++)
		assert_int_equal(strncmp(lp2p_err_name(c), "LP2P_E", 6), 0);
	/* a system code libuv does not know: no leak, a name all the same */
	assert_non_null(strstr(lp2p_err_name(-4000), "4000"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_b64_roundtrip),
		cmocka_unit_test(test_errf),
		cmocka_unit_test(test_err_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
