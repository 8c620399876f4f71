/*
 * cli_addr.c — one strict parser for every address flag (see cli_addr.h).
 */
#include <arpa/inet.h>
#include <err.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <vis.h>

#include "liskp2p.h"
#include "cli_addr.h"

#define HOST_MAX	253		/* characters of a DNS name */

const char *
cli_addr_safe(const char *s, char buf[CLI_ADDR_SAFELEN])
{
	size_t n = strnlen(s, 128);

	strvisx(buf, s, n, VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL);
	if (s[n] != '\0')
		strlcat(buf, "...", CLI_ADDR_SAFELEN);
	return buf;
}

/* s as a message shows it: escaped unless the caller escapes (RAW). */
static const char *
show(int flags, const char *s, char buf[CLI_ADDR_SAFELEN])
{
	if (flags & CLI_ADDR_RAW) {
		strlcpy(buf, s, CLI_ADDR_SAFELEN);
		return buf;
	}
	return cli_addr_safe(s, buf);
}

/* Only digits and dots: meant as a dotted quad, never a host name. */
static int
looks_numeric(const char *s)
{
	return s[strspn(s, "0123456789.")] == '\0';
}

/* Letters, digits, '-' and '.', as a DNS host name is written. */
static int
is_hostname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > HOST_MAX || s[0] == '-' || s[0] == '.')
		return 0;
	return s[strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")] == '\0';
}

/* The port text p: 0..65535 (min 0 or 1); -1 with why otherwise. */
static long
port_of(const char *p, long min, int flags, char *why, size_t len)
{
	char b[CLI_ADDR_SAFELEN];
	long v = 0;

	if (*p == '\0') {
		snprintf(why, len, "the port is missing");
		return -1;
	}
	if (strlen(p) > 5 || p[strspn(p, "0123456789")] != '\0') {
		snprintf(why, len, "port '%s' is not a number in %ld..65535",
		    show(flags, p, b), min);
		return -1;
	}
	v = strtol(p, NULL, 10);
	if (v < min || v > 65535) {
		snprintf(why, len, "port %ld is not in %ld..65535", v, min);
		return -1;
	}
	return v;
}

/* A dotted quad; -1 with the reason ("'1.2.3' is not ..."). */
static int
quad(const char *h, int flags, char *why, size_t len)
{
	char b[CLI_ADDR_SAFELEN];

	if (lp2p_ipv4_is_valid(h))
		return 0;
	snprintf(why, len, "'%s' is not an IPv4 dotted quad (four numbers "
	    "0..255, as 127.0.0.1)", show(flags, h, b));
	return -1;
}

int
cli_addr_ip(const char *s, char *why, size_t len)
{
	if (*s == '\0') {
		snprintf(why, len, "empty address");
		return -1;
	}
	if (strchr(s, ':') != NULL && strchr(s, '.') == NULL) {
		snprintf(why, len, "lisk-p2p peers are IPv4: give an IPv4 "
		    "dotted quad");
		return -1;
	}
	return quad(s, 0, why, len);
}

int
cli_addr_peer(const char *s, int flags, char out[CLI_ADDR_STRLEN],
    char *why, size_t len)
{
	struct addrinfo hints, *res;
	char host[HOST_MAX + 1], ip[INET_ADDRSTRLEN], b[CLI_ADDR_SAFELEN];
	const char *colon = strrchr(s, ':');
	long port;
	int rc;

	if (s[0] == '[' || (colon != NULL && memchr(s, ':',
	    (size_t)(colon - s)) != NULL)) {
		snprintf(why, len, "lisk-p2p peers are IPv4: expected "
		    "HOST:PORT");
		return -1;
	}
	if (colon == NULL) {
		snprintf(why, len, "expected HOST:PORT, the port is missing");
		return -1;
	}
	if (colon == s) {
		snprintf(why, len, "expected HOST:PORT, the host is missing");
		return -1;
	}
	if ((size_t)(colon - s) > HOST_MAX) {
		snprintf(why, len, "the host is longer than %d characters",
		    HOST_MAX);
		return -1;
	}
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if ((port = port_of(colon + 1, 1, flags, why, len)) < 0)
		return -1;
	if (looks_numeric(host) || !(flags & CLI_ADDR_RESOLVE)) {
		if (quad(host, flags, why, len) != 0)
			return -1;
		return snprintf(out, CLI_ADDR_STRLEN, "%s:%ld", host, port) <
		    CLI_ADDR_STRLEN ? 0 : -1;	/* a quad: always fits */
	}
	if (!is_hostname(host)) {
		snprintf(why, len, "'%s' is neither an IPv4 dotted quad nor a "
		    "host name", show(flags, host, b));
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0 || res == NULL) {
		snprintf(why, len, "cannot resolve host '%s' to an IPv4 "
		    "address: %s", host, rc != 0 ? gai_strerror(rc) :
		    "no address");
		return -1;
	}
	inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)res->ai_addr)->
	    sin_addr, ip, sizeof(ip));
	freeaddrinfo(res);
	return snprintf(out, CLI_ADDR_STRLEN, "%s:%ld", ip, port) <
	    CLI_ADDR_STRLEN ? 0 : -1;
}

int
cli_addr_listen(const char *s, char ip[16], uint16_t *port, char *why,
    size_t len)
{
	const char *colon = strrchr(s, ':'), *p = s;
	long v;

	strlcpy(ip, "0.0.0.0", 16);
	if (colon != NULL) {
		char host[64];

		if (colon == s || (size_t)(colon - s) >= sizeof(host)) {
			snprintf(why, len, "expected [ADDR:]PORT, as 7667 or "
			    "127.0.0.1:7667");
			return -1;
		}
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		if (cli_addr_ip(host, why, len) != 0)
			return -1;
		strlcpy(ip, host, 16);
		p = colon + 1;
	}
	if (*p == '\0' || p[strspn(p, "0123456789")] != '\0') {
		snprintf(why, len, "expected [ADDR:]PORT, as 7667 or "
		    "127.0.0.1:7667 (0: any free port)");
		return -1;
	}
	if ((v = port_of(p, 0, 0, why, len)) < 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

void
cli_addr_peer_or_die(const char *flag, const char *s, int flags,
    char out[CLI_ADDR_STRLEN])
{
	char why[512], b[CLI_ADDR_SAFELEN];

	if (cli_addr_peer(s, flags, out, why, sizeof(why)) != 0)
		errx(2, "%s %s: %s", flag, cli_addr_safe(s, b), why);
}

void
cli_addr_listen_or_die(const char *flag, const char *s, char ip[16],
    uint16_t *port)
{
	char why[512], b[CLI_ADDR_SAFELEN];

	if (cli_addr_listen(s, ip, port, why, sizeof(why)) != 0)
		errx(2, "%s %s: %s", flag, cli_addr_safe(s, b), why);
}

void
cli_addr_ip_or_die(const char *flag, const char *s)
{
	char why[512], b[CLI_ADDR_SAFELEN];

	if (cli_addr_ip(s, why, sizeof(why)) != 0)
		errx(2, "%s %s: %s", flag, cli_addr_safe(s, b), why);
}
