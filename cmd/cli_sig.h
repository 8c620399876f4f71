/*
 * cli_sig.h — SIGINT and SIGTERM on a libuv loop, for the programs that
 * run until told to stop (p2p-node, p2p-watch).  Only cmd/ uses this.
 */
#ifndef LP2P_CLI_SIG_H
#define LP2P_CLI_SIG_H

#include <uv.h>

struct cli_sig {
	uv_signal_t	 sigint, sigterm;
	void		(*on_stop)(void *);
	void		*arg;
};

/* From now on SIGINT and SIGTERM call on_stop(arg), each time. */
void	 cli_sig_start(struct cli_sig *, uv_loop_t *, void (*)(void *),
	    void *);
/* Close both handles (the loop then finishes closing them). */
void	 cli_sig_close(struct cli_sig *);

#endif
