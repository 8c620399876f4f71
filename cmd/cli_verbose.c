/*
 * cli_verbose.c — the -v lines of events (see cli_verbose.h).
 */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <vis.h>

#include <jv.h>

#include "cli_verbose.h"

#define MAX_FIELDS	4
#define LINE_MAX_	1024	/* bytes of one -v line */

/*
 * One row per event type: what to call it, what follows the peerId
 * ("connected"), and the fields printed as key=value.  Add a row to log
 * another event.
 */
static const struct vrow {
	const char	*type;
	const char	*what;
	const char	*outcome;
	const char	*fields[MAX_FIELDS + 1];
} rows[] = {
	{ "EVENT_CONNECT_OUTBOUND", "dial", "connected", { NULL } },
	{ "EVENT_CONNECT_ABORT_OUTBOUND", "dial", "aborted",
	    { "code", "reason", NULL } },
	{ "EVENT_OUTBOUND_SOCKET_ERROR", "dial", "failed", { "error", NULL } },
	{ "EVENT_CLOSE_OUTBOUND", "outbound", "closed",
	    { "code", "reason", NULL } },
	{ "EVENT_NEW_INBOUND_PEER", "inbound", "accepted", { NULL } },
	{ "EVENT_FAILED_TO_ADD_INBOUND_PEER", "inbound", "refused",
	    { "code", "error", NULL } },
	{ "EVENT_CLOSE_INBOUND", "inbound", "closed",
	    { "code", "reason", NULL } },
	{ "PENALTY", "penalty", "penalised",
	    { "penalty", "reason", "detail", "reputation" } },
	{ "EVENT_BAN_PEER", "ban", "banned", { "reason", NULL } },
	{ "EVENT_PEER_BOOK_ERROR", "book", "error", { "error", NULL } },
	{ NULL, NULL, NULL, { NULL } }
};

/* Append " k=v" (v a string or number of ev) to line. */
static void
add_field(char *line, size_t len, jv ev, const char *k)
{
	jv v = jv_object_get(jv_copy(ev), jv_string(k));
	char buf[4 * 256 + 1], num[32];
	const char *s = NULL;

	if (jv_get_kind(v) == JV_KIND_STRING)
		s = jv_string_value(v);
	else if (jv_get_kind(v) == JV_KIND_NUMBER) {
		snprintf(num, sizeof(num), "%.17g", jv_number_value(v));
		s = num;
	}
	if (s != NULL && s[0] != '\0') {
		strnvis(buf, s, sizeof(buf), VIS_SAFE | VIS_CSTYLE | VIS_NL);
		strlcat(line, " ", len);
		strlcat(line, k, len);
		strlcat(line, "=", len);
		strlcat(line, buf, len);
	}
	jv_free(v);
}

void
cli_verbose_event(jv ev)
{
	const struct vrow *r;
	jv t, id;
	char line[LINE_MAX_], pid[4 * 80 + 1];

	if (jv_get_kind(ev) != JV_KIND_OBJECT)
		return;
	t = jv_object_get(jv_copy(ev), jv_string("type"));
	if (jv_get_kind(t) != JV_KIND_STRING) {
		jv_free(t);
		return;
	}
	for (r = rows; r->type != NULL; r++)
		if (strcmp(r->type, jv_string_value(t)) == 0)
			break;
	jv_free(t);
	if (r->type == NULL)
		return;
	id = jv_object_get(jv_copy(ev), jv_string("peerId"));
	pid[0] = '\0';
	if (jv_get_kind(id) == JV_KIND_STRING)
		strnvis(pid, jv_string_value(id), sizeof(pid),
		    VIS_SAFE | VIS_CSTYLE | VIS_NL);
	jv_free(id);
	snprintf(line, sizeof(line), "%s %s: %s", r->what, pid, r->outcome);
	for (int i = 0; r->fields[i] != NULL; i++)
		add_field(line, sizeof(line), ev, r->fields[i]);
	warnx("%s", line);
}
