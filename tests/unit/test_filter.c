/* test_filter.c — jq programs run in-process on events (--filter). */
#include <stdio.h>

#include "unit.h"

struct outs {
	char	buf[1024];
	int	n;
};

static void
collect(jv v, void *arg)
{
	struct outs *o = arg;
	jv s = jv_dump_string(v, 0);

	if (o->n++ > 0)
		strlcat(o->buf, " ", sizeof(o->buf));
	strlcat(o->buf, jv_string_value(s), sizeof(o->buf));
	jv_free(s);
}

static void
test_table(void **state)
{
	static const struct {
		const char	*prog, *in, *out;
		int		 rc;
	} cases[] = {
		{ ".", "{\"a\":1}", "{\"a\":1}", 0 },
		{ ".type", "{\"type\":\"EVENT_X\"}", "\"EVENT_X\"", 0 },
		{ "select(.type == \"A\")", "{\"type\":\"B\"}", "", 0 },
		{ "select(.type == \"A\") | .n", "{\"type\":\"A\",\"n\":3}",
		    "3", 0 },
		{ ".[]", "[1,2,3]", "1 2 3", 0 },
		{ "empty", "1", "", 0 },
		{ "{p: .peerId}", "{\"peerId\":\"1.2.3.4:5\"}",
		    "{\"p\":\"1.2.3.4:5\"}", 0 },
		/* run-time errors: earlier outputs stay emitted */
		{ "1, error(\"boom\")", "null", "1", LP2P_EINVAL },
		{ ".a.b", "{\"a\":5}", "", LP2P_EINVAL },
		{ "error({x:1})", "null", "", LP2P_EINVAL },
		/* unbounded output stops at the ceiling */
		{ "repeat(1)", "null", NULL, LP2P_EFULL },
		{ "range(10001)", "null", NULL, LP2P_EFULL },
		{ "halt_error", "\"bye\"", "", LP2P_EINVAL },
		/* builtins that crash a bare libjq 1.6 state */
		{ "debug | .a", "{\"a\":2}", "2", 0 },
		{ "[inputs]", "1", "[]", 0 },
		{ "input", "1", "", LP2P_EINVAL },
		{ "input_filename", "1", "null", 0 },
	};

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		struct lp2p_filter *f;
		struct lp2p_err e;
		struct outs o;
		int rc;

		memset(&o, 0, sizeof(o));
		assert_int_equal(lp2p_filter_new(&f, cases[i].prog, &e), 0);
		rc = lp2p_filter_run(f, jv_parse(cases[i].in), collect, &o,
		    &e);
		if (rc != cases[i].rc)
			fail_msg("case %zu %s: rc %d (%s)", i, cases[i].prog,
			    rc, rc != 0 ? e.msg : "");
		if (cases[i].out != NULL)
			assert_string_equal(o.buf, cases[i].out);
		if (rc != 0)
			assert_true(strncmp(e.msg, "filter: ", 8) == 0);
		/* the program is reusable after an error */
		memset(&o, 0, sizeof(o));
		assert_int_equal(lp2p_filter_run(f, jv_parse("[]"), collect,
		    &o, &e) != LP2P_EFULL || cases[i].rc == LP2P_EFULL, 1);
		lp2p_filter_free(f);
	}
}

static void
test_error_text(void **state)
{
	struct lp2p_filter *f;
	struct lp2p_err e;
	struct outs o;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(lp2p_filter_new(&f, "error(\"boom\")", &e), 0);
	assert_int_equal(lp2p_filter_run(f, jv_null(), collect, &o, &e),
	    LP2P_EINVAL);
	assert_string_equal(e.msg, "filter: boom");
	lp2p_filter_free(f);
}

static void
test_compile_errors(void **state)
{
	static const char *const bad[] = {
		".[", "foo(", "nosuchfunction", "}", "$undefined",
		"import \"x\" as x; .", "include \"y\"; .",
	};

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(bad); i++) {
		struct lp2p_filter *f = (void *)1;
		struct lp2p_err e;

		assert_int_equal(lp2p_filter_new(&f, bad[i], &e), LP2P_EINVAL);
		assert_null(f);
		assert_true(strncmp(e.msg, "filter: ", 8) == 0);
		assert_true(strlen(e.msg) > 8);
	}
	lp2p_filter_free(NULL);
}

static void
test_many_inputs(void **state)
{
	struct lp2p_filter *f;
	struct lp2p_err e;
	struct outs o;

	(void)state;
	assert_int_equal(lp2p_filter_new(&f, "select(. % 1000 == 0)", &e),
	    0);
	memset(&o, 0, sizeof(o));
	for (int i = 0; i < 5000; i++)
		assert_int_equal(lp2p_filter_run(f, jv_number(i), collect, &o,
		    &e), 0);
	assert_string_equal(o.buf, "0 1000 2000 3000 4000");
	lp2p_filter_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_many_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
