/*
 * cli_addr.h — the one parser of every address flag of the four programs
 * (--seed, --fixed, --whitelist, --peer, --listen, --blacklist, --bind,
 * --source and p2p-peers' HOST:PORT arguments), so that one text means
 * one thing everywhere and every refusal says what and where:
 *
 *   p2p-node: --seed 999.1.1.1:1: '999.1.1.1' is not an IPv4 dotted quad
 *   p2p-node: --seed 127.0.0.1: expected HOST:PORT, the port is missing
 *   p2p-node: --seed nohost:1: cannot resolve host 'nohost': ...
 *
 * A host is an IPv4 dotted quad (four numbers 0..255, no leading zeros:
 * "1.2.3" is refused, not read as 1.2.0.3) or, where CLI_ADDR_RESOLVE
 * allows it, a host name resolved once to its first IPv4 address.  lisk-p2p
 * peers are IPv4 only.  Only cmd/ uses this.
 */
#ifndef LP2P_CLI_ADDR_H
#define LP2P_CLI_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define CLI_ADDR_RESOLVE	0x1	/* host names allowed, resolved */
#define CLI_ADDR_RAW		0x2	/* why quotes input as is: the
					   caller escapes the message */

/* "A.B.C.D:PORT" (at most 21 bytes and a NUL) */
#define CLI_ADDR_STRLEN		22

/*
 * "HOST:PORT", port 1..65535, into out "A.B.C.D:PORT" (ip and port also
 * apart when not NULL).  0, or -1 with the reason in why (the flag and its
 * argument are the caller's to print).
 */
int	cli_addr_peer(const char *, int, char out[CLI_ADDR_STRLEN],
	    char *, size_t);
/* "[ADDR:]PORT" (--listen): ADDR a dotted quad, PORT 0..65535. */
int	cli_addr_listen(const char *, char ip[16], uint16_t *, char *, size_t);
/* "ADDR" (--blacklist, --bind, --source): a dotted quad. */
int	cli_addr_ip(const char *, char *, size_t);
/*
 * The flag's argument made printable and bounded for a message (vis(3),
 * 128 characters at most); buf of CLI_ADDR_SAFELEN bytes.
 */
#define CLI_ADDR_SAFELEN	(4 * 128 + 4)
const char *cli_addr_safe(const char *, char buf[CLI_ADDR_SAFELEN]);
/*
 * The same as the three parsers, exiting 2 with "PROG: FLAG ARG: why" on
 * bad input.
 */
void	cli_addr_peer_or_die(const char *, const char *, int,
	    char out[CLI_ADDR_STRLEN]);
void	cli_addr_listen_or_die(const char *, const char *, char ip[16],
	    uint16_t *);
void	cli_addr_ip_or_die(const char *, const char *);

#endif
