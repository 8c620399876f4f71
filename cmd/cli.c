/*
 * cli.c — helpers shared by the programs in cmd/ (see cli.h).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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

long
cli_getline(char **line, size_t *cap, FILE *f, size_t max)
{
	size_t n = 0;
	bool long_line = false;
	int c;

	while ((c = getc(f)) != EOF) {
		if (!long_line && n + 2 > *cap) {
			size_t nc = *cap ? *cap * 2 : 4096;
			char *p;

			if (nc > max + 2)
				nc = max + 2;
			if ((p = realloc(*line, nc)) == NULL)
				err(1, NULL);
			*line = p;
			*cap = nc;
		}
		if (!long_line)
			(*line)[n++] = (char)c;
		if (c == '\n')
			break;
		if (n > max)
			long_line = true;
	}
	if (n == 0 && c == EOF)
		return -1;
	if (long_line)
		return CLI_LINE_LONG;
	(*line)[n] = '\0';
	return (long)n;
}
