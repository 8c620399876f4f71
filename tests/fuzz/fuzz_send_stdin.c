/*
 * fuzz_send_stdin.c — p2p-send's stdin: NDJSON lines of {"procedure"|
 * "event": name, "data": hex}, each read by the program's own parse_item
 * (cmd/p2p-send.c is compiled into this file, its main renamed).  First
 * byte: bit 0 the --network mainnet policy (names Lisk Core does not know
 * are refused), bit 1 --force.  The program stops at the first bad line;
 * so does this target.  Checks: an item has a name within the limit and
 * data within MAX_DATA; nothing leaks.
 */
#define main	p2p_send_main
#include "../../cmd/p2p-send.c"
#undef main

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char why[LP2P_ERR_MSG], *buf;
	const char *p, *end;

	if (len == 0)
		return 0;
	g.net = (data[0] & 1) ? lp2p_network_find("mainnet") : NULL;
	g.force = (data[0] & 2) != 0;
	if ((buf = malloc(len)) == NULL)
		abort();
	memcpy(buf, data + 1, len - 1);
	p = buf;
	end = buf + len - 1;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		struct item it;
		int rc;

		if (n + 1 > LP2P_MAX_CMD_LINE)
			break;		/* read_stdin: line too long */
		((char *)p)[n] = '\0';	/* getline's NUL (nl or spare byte) */
		while (n > 0 && p[n - 1] == '\r')
			((char *)p)[--n] = '\0';
		rc = parse_item(p, n, &it, why, sizeof(why));
		if (rc < 0) {
			if (why[0] == '\0')
				abort();
			break;
		}
		if (rc == 0) {
			if (it.name == NULL || it.name[0] == '\0' ||
			    strlen(it.name) > LP2P_MAX_EVENT_NAME ||
			    it.len > MAX_DATA || (it.len > 0 && !it.has_data))
				abort();
			free(it.name);
			free(it.data);
		}
		p = nl != NULL ? nl + 1 : end;
	}
	free(buf);
	return 0;
}
