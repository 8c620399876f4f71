/*
 * cli.c — helpers shared by the programs in cmd/ (see cli.h).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vis.h>
#include <unistd.h>

#include "liskp2p.h"
#include "cli.h"

void
cli_init(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			_exit(2);
	}
	signal(SIGPIPE, SIG_IGN);
}

void
cli_version(const char *prog)
{
	printf("%s %s (libliskp2p %s)\n", prog, LP2P_VERSION_STRING,
	    LP2P_VERSION_STRING);
}

long long
cli_num(const char *flag, const char *arg, long long min, long long max)
{
	const char *errstr;
	long long n;

	n = strtonum(arg, min, max, &errstr);
	if (errstr != NULL)
		errx(2, "%s %s: %s (%lld..%lld)", flag, arg, errstr, min, max);
	return n;
}

void
cli_emit(jv v)
{
	jv_dumpf(v, stdout, 0);
	putchar('\n');
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno == EPIPE)
			exit(0);
		err(1, "stdout");
	}
}

/* A string field of o (borrowed), escaped for stderr (malloc'd). */
static char *
field_vis(jv o, const char *k)
{
	jv v = jv_object_get(jv_copy(o), jv_string(k));
	char *safe = NULL;

	if (jv_get_kind(v) == JV_KIND_STRING &&
	    stravis(&safe, jv_string_value(v), VIS_SAFE | VIS_CSTYLE) == -1)
		safe = NULL;
	jv_free(v);
	return safe;
}

static double
field_num(jv o, const char *k)
{
	jv v = jv_object_get(jv_copy(o), jv_string(k));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;

	jv_free(v);
	return d;
}

void
cli_warn_penalty(jv ev)
{
	char *type, *id, *reason, *detail;

	if (jv_get_kind(ev) != JV_KIND_OBJECT)
		return;
	type = field_vis(ev, "type");
	if (type == NULL || strcmp(type, "PENALTY") != 0) {
		free(type);
		return;
	}
	id = field_vis(ev, "peerId");
	reason = field_vis(ev, "reason");
	detail = field_vis(ev, "detail");
	warnx("peer %s: penalty %.0f (%s%s%s), reputation %.0f",
	    id ? id : "?", field_num(ev, "penalty"), reason ? reason : "?",
	    detail ? ": " : "", detail ? detail : "",
	    field_num(ev, "reputation"));
	free(type);
	free(id);
	free(reason);
	free(detail);
}
