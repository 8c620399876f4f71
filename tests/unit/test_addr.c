/* test_addr.c — address parsing, network classes, netgroups, bucket ids. */
#include "unit.h"

static void
test_parse(void **state)
{
	static const struct { const char *in; int ok; const char *id; } cases[] = {
		{ "127.0.0.1:5000", 1, "127.0.0.1:5000" },
		{ "1.2.3.4:65535", 1, "1.2.3.4:65535" },
		{ "255.255.255.255:1", 1, "255.255.255.255:1" },
		{ "[::1]:5000", 1, "[::1]:5000" },
		{ "[2001:DB8::1]:7", 1, "[2001:db8::1]:7" },
		{ "1.2.3.4:0", 0, NULL }, { "1.2.3.4:65536", 0, NULL },
		{ "1.2.3.4:", 0, NULL }, { "1.2.3.4", 0, NULL },
		{ "1.2.3.4:+5", 0, NULL }, { "1.2.3.4: 5", 0, NULL },
		{ "1.2.3.4:123456", 0, NULL }, { "01.2.3.4:5", 0, NULL },
		{ "1.2.3.256:5", 0, NULL }, { "1.2.3:5", 0, NULL },
		{ "1.2.3.4.5:5", 0, NULL }, { "::1:5000", 0, NULL },
		{ "[1.2.3.4]:5", 0, NULL }, { "[::1:5", 0, NULL },
		{ "[::1]5", 0, NULL }, { ":5", 0, NULL }, { "", 0, NULL },
		{ "localhost:5000", 0, NULL }, { "1.2.3.4 :5", 0, NULL },
		{ "[::g]:5", 0, NULL }, { "1.2.3.-4:5", 0, NULL },
	};
	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		struct lp2p_addr a;
		struct lp2p_err e = { 0, "" };
		char id[LP2P_PEERID_STRLEN];
		int rc = lp2p_addr_parse(&a, cases[i].in, &e);

		if (cases[i].ok) {
			assert_int_equal(rc, 0);
			assert_string_equal(lp2p_addr_peerid(&a, id,
			    sizeof(id)), cases[i].id);
		} else {
			assert_int_equal(rc, LP2P_EINVAL);
			assert_int_equal(e.code, LP2P_EINVAL);
			assert_true(e.msg[0] != '\0');
		}
	}
}

static void
test_ipv4_valid(void **state)
{
	static const struct { const char *in; int ok; } cases[] = {
		{ "0.0.0.0", 1 }, { "1.2.3.4", 1 }, { "255.255.255.255", 1 },
		{ "256.1.1.1", 0 }, { "1.2.3", 0 }, { "1.2.3.4.", 0 },
		{ ".1.2.3", 0 }, { "1..2.3", 0 }, { "00.1.2.3", 0 },
		{ "1.2.3.04", 0 }, { "1.2.3.4 ", 0 }, { "1.2.3.1000", 0 },
		{ "a.b.c.d", 0 }, { "", 0 }, { "::1", 0 },
	};
	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++)
		assert_int_equal(lp2p_ipv4_is_valid(cases[i].in), cases[i].ok);
}

static void
test_netclass(void **state)
{
	/* the reference's getNetwork, quirks included */
	static const struct { const char *in; enum lp2p_netclass c; } cases[] = {
		{ "1.2.3.4", LP2P_NET_IPV4 }, { "192.168.1.1", LP2P_NET_IPV4 },
		{ "10.0.0.1", LP2P_NET_PRIVATE },
		{ "172.16.0.1", LP2P_NET_PRIVATE },
		{ "172.31.255.1", LP2P_NET_PRIVATE },
		{ "172.32.0.1", LP2P_NET_IPV4 }, { "172.15.0.1", LP2P_NET_IPV4 },
		{ "127.0.0.1", LP2P_NET_LOCAL }, { "0.0.0.0", LP2P_NET_LOCAL },
		{ "127::1", LP2P_NET_LOCAL }, { "10ab::1", LP2P_NET_PRIVATE },
		{ "010.1.1.1", LP2P_NET_PRIVATE }, { "::1", LP2P_NET_OTHER },
		{ "2001:db8::1", LP2P_NET_OTHER }, { "1.2.3.04", LP2P_NET_OTHER },
		{ " 127.x", LP2P_NET_LOCAL }, { "", LP2P_NET_OTHER },
	};
	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++)
		assert_int_equal(lp2p_ip_netclass(cases[i].in), cases[i].c);
}

static void
test_vectors(void **state)
{
	jv v, list;
	int n;

	(void)state;
	v = jv_load_file("tests/vectors/peerbook_vectors.json", 0);
	assert_int_equal(jv_get_kind(v), JV_KIND_ARRAY);  /* of the values */
	v = jv_array_get(v, 0);
	assert_int_equal(jv_get_kind(v), JV_KIND_OBJECT);
	list = jv_object_get(jv_copy(v), jv_string("netgroup"));
	n = jv_array_length(jv_copy(list));
	assert_true(n >= 40);
	for (int i = 0; i < n; i++) {
		jv c = jv_array_get(jv_copy(list), i);
		jv ad = jv_object_get(jv_copy(c), jv_string("address"));
		uint32_t secret = (uint32_t)jv_number_value(jv_object_get(
		    jv_copy(c), jv_string("secret")));
		uint32_t want = (uint32_t)jv_number_value(jv_object_get(
		    jv_copy(c), jv_string("netgroup")));
		int net = (int)jv_number_value(jv_object_get(jv_copy(c),
		    jv_string("network")));
		uint32_t got;

		assert_int_equal(lp2p_ip_netclass(jv_string_value(ad)), net);
		assert_int_equal(lp2p_ip_netgroup(secret, jv_string_value(ad),
		    &got), 0);
		assert_int_equal(got, want);
		jv_free(ad);
		jv_free(c);
	}
	jv_free(list);
	list = jv_object_get(jv_copy(v), jv_string("bucket"));
	n = jv_array_length(jv_copy(list));
	assert_true(n >= 160);
	for (int i = 0; i < n; i++) {
		jv c = jv_array_get(jv_copy(list), i);
		jv t = jv_object_get(jv_copy(c), jv_string("targetAddress"));
		jv s = jv_object_get(jv_copy(c), jv_string("sourceAddress"));
		jv pt = jv_object_get(jv_copy(c), jv_string("peerType"));
		uint32_t secret = (uint32_t)jv_number_value(jv_object_get(
		    jv_copy(c), jv_string("secret")));
		uint32_t count = (uint32_t)jv_number_value(jv_object_get(
		    jv_copy(c), jv_string("bucketCount")));
		uint32_t want = (uint32_t)jv_number_value(jv_object_get(
		    jv_copy(c), jv_string("bucketId")));
		uint32_t got;

		assert_int_equal(lp2p_ip_bucket(secret, jv_string_value(t),
		    jv_get_kind(s) == JV_KIND_STRING ? jv_string_value(s) :
		    NULL, strcmp(jv_string_value(pt), "triedPeer") == 0, count,
		    &got), 0);
		assert_int_equal(got, want);
		jv_free(t);
		jv_free(s);
		jv_free(pt);
		jv_free(c);
	}
	jv_free(list);
	jv_free(v);
}

static void
test_errors(void **state)
{
	uint32_t out;

	(void)state;
	/* the reference throws for these */
	assert_int_equal(lp2p_ip_netgroup(1, "::1", &out), LP2P_EINVAL);
	assert_int_equal(lp2p_ip_netgroup(1, "2001:db8::1", &out), LP2P_EINVAL);
	assert_int_equal(lp2p_ip_netgroup(1, "127.0.0.1000", &out),
	    LP2P_EINVAL);
	assert_int_equal(lp2p_ip_bucket(1, "1.2.3.4", "2001::1", 0, 128, &out),
	    LP2P_EINVAL);
	assert_int_equal(lp2p_ip_bucket(1, "1.2.3.4", "2001::1", 1, 64, &out),
	    LP2P_EINVAL);
	/* and compute these */
	assert_int_equal(lp2p_ip_netgroup(1, "127::1", &out), 0);
	assert_int_equal(lp2p_ip_bucket(1, "10ab::1", NULL, 0, 128, &out), 0);
	assert_int_equal(lp2p_ip_bucket(1, "1.2.3.4", "::1", 0, 128, &out), 0);
}

static void
test_peerid(void **state)
{
	static const struct { const char *ip; uint16_t port; const char *id; }
	    cases[] = {
		{ "1.2.3.4", 5000, "1.2.3.4:5000" },
		{ "255.255.255.255", 65535, "255.255.255.255:65535" },
		{ "10.0.0.1", 1, "10.0.0.1:1" },
		{ "10.0.0.1", 0, "10.0.0.1:0" },
		{ "::1", 7667, "::1:7667" },	/* the reference's form */
	};
	char buf[LP2P_PEERID_STRLEN], want[LP2P_PEERID_STRLEN];
	char longip[100];
	struct lp2p_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(lp2p_peerid(buf, cases[i].ip,
		    cases[i].port), cases[i].id);
	/* an over-long text is cut, never overflows */
	memset(longip, 'x', sizeof(longip) - 1);
	longip[sizeof(longip) - 1] = '\0';
	lp2p_peerid(buf, longip, 65535);
	assert_int_equal(strlen(buf), LP2P_IP_STRLEN + 1 + 6);
	/* lp2p_addr_peerid: the same for IPv4, a text to dial for IPv6 */
	assert_int_equal(lp2p_addr_parse(&a, "9.8.7.6:42", NULL), 0);
	assert_string_equal(lp2p_addr_peerid(&a, buf, sizeof(buf)),
	    lp2p_peerid(want, "9.8.7.6", 42));
	assert_int_equal(lp2p_addr_parse(&a, "[::1]:42", NULL), 0);
	assert_string_equal(lp2p_addr_peerid(&a, buf, sizeof(buf)),
	    "[::1]:42");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_ipv4_valid),
		cmocka_unit_test(test_netclass),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_peerid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
