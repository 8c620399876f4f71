/* test_lisk32.c — lisk32 addresses against vectors/lisk-core-4.json. */
#include <stdio.h>

#include "unit.h"

static jv
load_vectors(void)
{
	jv v = unit_load_vectors("lisk-core-4.json");

	assert_int_equal(jv_get_kind(v), JV_KIND_OBJECT);
	return v;
}

static void
test_vectors(void **state)
{
	jv all = load_vectors(), l32;
	int n;

	(void)state;
	l32 = jv_object_get(all, jv_string("lisk32"));
	n = jv_array_length(jv_copy(l32));
	assert_true(n >= 5);
	for (int i = 0; i < n; i++) {
		jv e = jv_array_get(jv_copy(l32), i);
		jv hex = jv_object_get(jv_copy(e), jv_string("addressHex"));
		jv txt = jv_object_get(e, jv_string("lisk32"));
		char s[LP2P_LISK32_LEN + 1];
		uint8_t back[LP2P_ADDRESS_LEN], *b;
		long bn;

		bn = lp2p_hex_decode(jv_string_value(hex),
		    strlen(jv_string_value(hex)), &b);
		assert_int_equal(bn, LP2P_ADDRESS_LEN);
		assert_int_equal(lp2p_lisk32_encode(b, (size_t)bn, s), 0);
		assert_string_equal(s, jv_string_value(txt));
		assert_int_equal(lp2p_lisk32_decode(s, back), 0);
		assert_memory_equal(back, b, LP2P_ADDRESS_LEN);
		free(b);
		jv_free(hex);
		jv_free(txt);
	}
	jv_free(l32);
}

static void
test_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"lsk",
		"lskzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz5fw59",	/* short */
		"lskzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz5fw5966",	/* long */
		"lskzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz5fw597",	/* checksum */
		"lsxzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz5fw596",	/* prefix */
		"lskzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz5fw59l",	/* 'l' */
		"LSKZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ5FW596",	/* case */
		"lskxzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz5fw596",	/* one flip */
	};
	uint8_t out[LP2P_ADDRESS_LEN], z[LP2P_ADDRESS_LEN] = { 0 };
	char s[LP2P_LISK32_LEN + 1];

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(bad); i++)
		assert_int_equal(lp2p_lisk32_decode(bad[i], out), LP2P_EINVAL);
	assert_int_equal(lp2p_lisk32_encode(z, 19, s), LP2P_EINVAL);
	assert_int_equal(lp2p_lisk32_encode(z, 21, s), LP2P_EINVAL);
}

static void
test_roundtrip(void **state)
{
	(void)state;
	lp2p_rand_seed(7);
	for (int i = 0; i < 2000; i++) {
		uint8_t a[LP2P_ADDRESS_LEN], back[LP2P_ADDRESS_LEN];
		char s[LP2P_LISK32_LEN + 1];

		lp2p_rand_buf(a, sizeof(a));
		assert_int_equal(lp2p_lisk32_encode(a, sizeof(a), s), 0);
		assert_int_equal(strlen(s), LP2P_LISK32_LEN);
		assert_int_equal(lp2p_lisk32_decode(s, back), 0);
		assert_memory_equal(a, back, sizeof(a));
		/* every single changed character is caught by the checksum */
		for (int j = 3; j < LP2P_LISK32_LEN; j++) {
			char c = s[j];

			s[j] = c == 'z' ? 'x' : 'z';
			assert_int_equal(lp2p_lisk32_decode(s, back),
			    LP2P_EINVAL);
			s[j] = c;
		}
	}
	lp2p_rand_seed(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
