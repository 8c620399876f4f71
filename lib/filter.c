/*
 * filter.c — a jq program run in-process (libjq) on JSON values, the
 * machinery behind `p2p-watch --filter`.
 *
 * One compiled program per struct lp2p_filter; each run feeds one input
 * and hands every output to a callback, in order.  Compile errors and run
 * time errors come back as LP2P_EINVAL with jq's own message.  Outputs of
 * one input are bounded (LP2P_FILTER_MAX_OUTPUTS): a program such as
 * `repeat(.)` ends in an error instead of flooding.  A program that loops
 * without yielding cannot be interrupted (libjq has no hook for it).
 * `debug` output is dropped; `input`/`inputs` find no further input;
 * `import`/`include` find no modules.
 */
#include <stdlib.h>
#include <string.h>

#include "liskp2p.h"
#include "internal.h"

struct lp2p_filter {
	jq_state	*jq;
	char		 msg[LP2P_ERR_MSG];	/* first message libjq gave */
	int		 nmsg;
};

/* libjq reports compile errors (and some warnings) through this hook. */
static void
on_jq_message(void *arg, jv msg)
{
	struct lp2p_filter *f = arg;

	if (f->nmsg++ == 0) {
		if (jv_get_kind(msg) == JV_KIND_STRING)
			strlcpy(f->msg, jv_string_value(msg), sizeof(f->msg));
		else {
			jv s = jv_dump_string(jv_copy(msg), 0);

			strlcpy(f->msg, jv_string_value(s), sizeof(f->msg));
			jv_free(s);
		}
	}
	jv_free(msg);
}

/* `debug` messages are dropped: the library never prints. */
static void
on_jq_debug(void *arg, jv msg)
{
	(void)arg;
	jv_free(msg);
}

/* Each event is a run of its own: `input` and `inputs` see no more. */
static jv
on_jq_input(jq_state *jq, void *arg)
{
	(void)jq;
	(void)arg;
	return jv_invalid();
}

int
lp2p_filter_new(struct lp2p_filter **out, const char *prog,
    struct lp2p_err *err)
{
	struct lp2p_filter *f;

	*out = NULL;
	if (prog == NULL || strlen(prog) > LP2P_FILTER_MAX_PROGRAM)
		return lp2p_errf(err, LP2P_EINVAL,
		    "filter: program missing or longer than %d bytes",
		    LP2P_FILTER_MAX_PROGRAM);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "filter: out of memory");
	if ((f->jq = jq_init()) == NULL) {
		free(f);
		return lp2p_errf(err, LP2P_ENOMEM, "filter: jq_init failed");
	}
	jq_set_error_cb(f->jq, on_jq_message, f);
	/* libjq 1.6 calls these unchecked: `debug` or `input` would crash */
	jq_set_debug_cb(f->jq, on_jq_debug, NULL);
	jq_set_input_cb(f->jq, on_jq_input, NULL);
	/*
	 * No module search path: `import` and `include` fail cleanly
	 * instead of tripping an assertion inside libjq 1.6.
	 */
	jq_set_attr(f->jq, jv_string("JQ_LIBRARY_PATH"), jv_array());
	jq_set_attr(f->jq, jv_string("JQ_ORIGIN"), jv_string("/nonexistent"));
	if (!jq_compile(f->jq, prog)) {
		int code = lp2p_errf(err, LP2P_EINVAL, "filter: %s",
		    f->nmsg > 0 ? f->msg : "does not compile");

		lp2p_filter_free(f);
		return code;
	}
	*out = f;
	return 0;
}

void
lp2p_filter_free(struct lp2p_filter *f)
{
	if (f == NULL)
		return;
	jq_teardown(&f->jq);
	free(f);
}

/* The text of a jq error value: a string as is, anything else as JSON. */
static int
run_error(struct lp2p_err *err, jv msg)
{
	int code;

	if (jv_get_kind(msg) == JV_KIND_STRING)
		code = lp2p_errf(err, LP2P_EINVAL, "filter: %s",
		    jv_string_value(msg));
	else {
		jv s = jv_dump_string(jv_copy(msg), 0);

		code = lp2p_errf(err, LP2P_EINVAL, "filter: %s (not a string)",
		    jv_string_value(s));
		jv_free(s);
	}
	jv_free(msg);
	return code;
}

int
lp2p_filter_run(struct lp2p_filter *f, jv in,
    void (*emit)(jv, void *), void *arg, struct lp2p_err *err)
{
	jv out;
	size_t n = 0;

	jq_start(f->jq, in, 0);
	for (;;) {
		out = jq_next(f->jq);
		if (!jv_is_valid(out))
			break;
		if (++n > LP2P_FILTER_MAX_OUTPUTS) {
			jv_free(out);
			/* end the run so that the next input starts afresh */
			jq_start(f->jq, jv_null(), 0);
			return lp2p_errf(err, LP2P_EFULL,
			    "filter: more than %d outputs for one input",
			    LP2P_FILTER_MAX_OUTPUTS);
		}
		emit(out, arg);
	}
	if (jq_halted(f->jq)) {
		jv msg = jq_get_error_message(f->jq);

		jv_free(out);
		if (jv_get_kind(msg) == JV_KIND_STRING)
			return run_error(err, msg);
		jv_free(msg);
		return lp2p_errf(err, LP2P_EINVAL, "filter: halted");
	}
	if (jv_invalid_has_msg(jv_copy(out)))
		return run_error(err, jv_invalid_get_msg(out));
	jv_free(out);
	return 0;
}
