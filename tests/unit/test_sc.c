/* test_sc.c — SocketCluster envelopes: server screening (WIRE.md §3.7),
 * event encoding. */
#include "unit.h"
#include "sc.h"

static void
test_screen(void **state)
{
	static const struct { const char *in; int rc; } cases[] = {
		{ "{\"event\":\"#handshake\",\"data\":{\"authToken\":null},"
		  "\"cid\":1}", 0 },
		{ "{\"rid\":3,\"data\":{\"data\":\"AQI=\"}}", 0 },
		{ "{\"rid\":3,\"error\":{\"message\":\"x\"}}", 0 },
		{ "{\"event\":\"remote-message\"}", 0 },
		{ "{}", 0 },
		{ "{\"cid\":1e3}", 0 },			/* integral */
		{ "#1", LP2P_EPROTO },
		{ "#2", LP2P_EPROTO },			/* callers skip it */
		{ "", LP2P_EPROTO },
		{ "[{\"event\":\"x\"}]", LP2P_EPROTO },
		{ "\"str\"", LP2P_EPROTO },
		{ "5", LP2P_EPROTO },
		{ "null", LP2P_EPROTO },
		{ "{\"event\":5}", LP2P_EPROTO },
		{ "{\"event\":\"x\",\"extra\":1}", LP2P_EPROTO },
		{ "{\"event\":\"x\",\"cid\":1.5}", LP2P_EPROTO },
		{ "{\"event\":\"x\",\"cid\":\"1\"}", LP2P_EPROTO },
		{ "{\"rid\":null}", LP2P_EPROTO },
		{ "{\"event\":\"x\",\"data\":\"text\"}", LP2P_EPROTO },
		{ "{\"event\":\"x\",\"data\":null}", LP2P_EPROTO },
		{ "{\"event\":\"x\",\"data\":[1]}", LP2P_EPROTO },
		{ "{\"rid\":1,\"error\":\"x\"}", LP2P_EPROTO },
		{ "{\"event\":\"#subscribe\"}", LP2P_EPROTO },
		{ "{\"event\":\"#publish\"}", LP2P_EPROTO },
		{ "{\"event\":\"#authenticate\"}", LP2P_EPROTO },
		{ "{\"event\":\"#removeAuthToken\"}", LP2P_EPROTO },
		{ "{\"event\":\"#unsubscribe\"}", LP2P_EPROTO },
		{ "{\"event\":\"x\"} {}", LP2P_EPROTO },	/* two values */
		{ "{\"event\":\"x\"", LP2P_EPROTO },
		/* libjq 1.6 leaks on this one: must not reach it */
		{ "{\"event\":\"x\",\"d:aast\"\"\"}", LP2P_EPROTO },
		{ "{\"event\":nan}", LP2P_EPROTO },
		{ "{\"event\":\"x\",}", LP2P_EPROTO },
		{ "{\"event\":\"\\u00e9\\n\"}", 0 },
		{ "{\"event\":\"\\x\"}", LP2P_EPROTO },
		{ "{\"cid\":-0.5e+0}", LP2P_EPROTO },	/* JSON, not integer */
		{ "{\"cid\":-0.5e+2}", 0 },		/* -50 */
		{ "{\"cid\":01}", LP2P_EPROTO },
		{ " {\"rid\":1} \r\n", 0 },
	};
	char why[128];

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		jv v;
		int rc = lp2p__sc_screen(cases[i].in, strlen(cases[i].in), &v,
		    why, sizeof(why));

		if (rc != cases[i].rc)
			fail_msg("case %zu (%s): %d, want %d", i, cases[i].in,
			    rc, cases[i].rc);
		if (rc == 0)
			assert_int_equal(jv_get_kind(v), JV_KIND_OBJECT);
		else
			assert_true(strlen(why) > 0);
		jv_free(v);
	}
}

static void
test_event_name_length(void **state)
{
	char buf[400], why[128];
	jv v;

	(void)state;
	/* 128 characters pass, 129 are banned; é counts as one */
	snprintf(buf, sizeof(buf), "{\"event\":\"%0128d\"}", 0);
	assert_int_equal(lp2p__sc_screen(buf, strlen(buf), &v, why,
	    sizeof(why)), 0);
	jv_free(v);
	snprintf(buf, sizeof(buf), "{\"event\":\"%0129d\"}", 0);
	assert_int_equal(lp2p__sc_screen(buf, strlen(buf), &v, why,
	    sizeof(why)), LP2P_EPROTO);
	jv_free(v);
	snprintf(buf, sizeof(buf), "{\"event\":\"\xc3\xa9%0127d\"}", 0);
	assert_int_equal(lp2p__sc_screen(buf, strlen(buf), &v, why,
	    sizeof(why)), 0);
	jv_free(v);
}

static void
test_depth(void **state)
{
	char *deep;
	char why[128];
	size_t n = 100000;
	jv v;

	(void)state;
	deep = malloc(2 * n + 64);
	strcpy(deep, "{\"event\":\"x\",\"data\":{\"a\":");
	memset(deep + 25, '[', n);
	memset(deep + 25 + n, ']', n);
	strcpy(deep + 25 + 2 * n, "}}");
	assert_int_equal(lp2p__sc_screen(deep, strlen(deep), &v, why,
	    sizeof(why)), LP2P_EINVAL);
	jv_free(v);
	/* brackets inside strings do not count */
	strcpy(deep, "{\"event\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"\"}");
	assert_int_equal(lp2p__sc_screen(deep, strlen(deep), &v, why,
	    sizeof(why)), 0);
	jv_free(v);
	free(deep);
}

/* fast verdict 0 => slow verdict 0 with an equal value; counts accepts */
static int
fast_vs_slow(const char *in, size_t n)
{
	char why[128];
	jv f, sl;
	int rf, rs;

	rf = lp2p__sc_screen_fast(in, n, &f);
	rs = lp2p__sc_screen_slow(in, n, &sl, why, sizeof(why));
	if (rf == 0) {
		if (rs != 0)
			fail_msg("fast accepts what slow rejects (%s): %.*s",
			    why, (int)n, in);
		if (!jv_equal(jv_copy(f), jv_copy(sl)))
			fail_msg("fast and slow differ: %.*s", (int)n, in);
	} else
		assert_int_equal(rf, -1);
	jv_free(f);
	jv_free(sl);
	return rf == 0;
}

static void
test_screen_fast(void **state)
{
	static const char *base[] = {
		"{\"event\":\"remote-message\",\"data\":{\"event\":\"postBlock\","
		    "\"data\":\"AQIDBA==\"}}",
		"{\"event\":\"remote-message\",\"data\":{\"event\":\"\","
		    "\"data\":\"\"}}",
		"{\"event\":\"remote-message\",\"data\":{\"event\":\"a b/c\","
		    "\"data\":\"~!@#$%^&*()_+{}[]:;'<>?,.\"}}",
	};
	/* bytes that matter to JSON, UTF-8 and the fast matcher */
	static const char subst[] = "\"\\{}[]:, \t\n\x01\x1f\x7f\x80\xc3\xff"
	    "a0-eE.u#";
	char buf[256];
	size_t n, i, k;
	int accepted = 0, total = 0;

	(void)state;
	for (size_t b = 0; b < LP2P_NELEM(base); b++) {
		n = strlen(base[b]);
		assert_true(fast_vs_slow(base[b], n));
		for (i = 0; i <= n; i++) {
			/* truncation, deletion, substitution, insertion */
			accepted += fast_vs_slow(base[b], i);
			total++;
			if (i == n)
				break;
			memcpy(buf, base[b], i);
			memcpy(buf + i, base[b] + i + 1, n - i - 1);
			accepted += fast_vs_slow(buf, n - 1);
			total++;
			for (k = 0; k < sizeof(subst) - 1; k++) {
				memcpy(buf, base[b], n);
				buf[i] = subst[k];
				accepted += fast_vs_slow(buf, n);
				memcpy(buf, base[b], i);
				buf[i] = subst[k];
				memcpy(buf + i + 1, base[b] + i, n - i);
				accepted += fast_vs_slow(buf, n + 1);
				total += 2;
			}
		}
	}
	/* the fast path took some variants, and left most to the screen */
	assert_true(accepted > 50);
	assert_true(accepted < total / 2);
	/* same envelope with whitespace, escapes, other key order: slow */
	{
		static const char *slow[] = {
			"{\"event\":\"remote-message\",\"data\":{\"event\":\"x\","
			    "\"data\":\"\\u0041\"}}",
			"{\"event\":\"remote-message\",\"data\":{\"data\":\"AA\","
			    "\"event\":\"x\"}}",
			"{\"event\":\"remote-message\", \"data\":{\"event\":\"x\","
			    "\"data\":\"AA\"}}",
			"{\"event\":\"remote-message\",\"data\":{\"event\":\"x\","
			    "\"data\":\"AA\"}}\n",
			"{\"event\":\"remote-message\",\"data\":{\"event\":\"\xc3\xa9\","
			    "\"data\":\"AA\"}}",
		};

		for (i = 0; i < LP2P_NELEM(slow); i++) {
			jv v;
			char why[128];

			assert_int_equal(lp2p__sc_screen_fast(slow[i],
			    strlen(slow[i]), &v), -1);
			jv_free(v);
			assert_int_equal(lp2p__sc_screen(slow[i],
			    strlen(slow[i]), &v, why, sizeof(why)), 0);
			jv_free(v);
		}
	}
}

static void
test_encode(void **state)
{
	char *s;

	(void)state;
	s = lp2p__sc_encode_event("remote-message", jv_parse(
	    "{\"event\":\"postBlock\",\"data\":\"aGVsbG8=\"}"), 0);
	assert_string_equal(s, "{\"event\":\"remote-message\",\"data\":"
	    "{\"event\":\"postBlock\",\"data\":\"aGVsbG8=\"}}");
	free(s);
	s = lp2p__sc_encode_event("rpc-request", jv_parse(
	    "{\"procedure\":\"getNodeInfo\"}"), 2);
	assert_string_equal(s, "{\"event\":\"rpc-request\",\"data\":"
	    "{\"procedure\":\"getNodeInfo\"},\"cid\":2}");
	free(s);
	s = lp2p__sc_encode_event("x\"\xc3\xa9", jv_invalid(), 0);
	assert_string_equal(s, "{\"event\":\"x\\\"\xc3\xa9\"}");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_screen),
		cmocka_unit_test(test_event_name_length),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_screen_fast),
		cmocka_unit_test(test_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
