/*
 * cli_sig.c — SIGINT and SIGTERM on a libuv loop (see cli_sig.h).
 */
#include <signal.h>

#include "cli_sig.h"

static void
on_signal(uv_signal_t *h, int signum)
{
	struct cli_sig *s = h->data;

	(void)signum;
	s->on_stop(s->arg);
}

static void
on_closed(uv_handle_t *h)
{
	(void)h;
}

void
cli_sig_start(struct cli_sig *s, uv_loop_t *loop, void (*on_stop)(void *),
    void *arg)
{
	s->on_stop = on_stop;
	s->arg = arg;
	uv_signal_init(loop, &s->sigint);
	uv_signal_init(loop, &s->sigterm);
	s->sigint.data = s->sigterm.data = s;
	uv_signal_start(&s->sigint, on_signal, SIGINT);
	uv_signal_start(&s->sigterm, on_signal, SIGTERM);
}

void
cli_sig_close(struct cli_sig *s)
{
	uv_close((uv_handle_t *)&s->sigint, on_closed);
	uv_close((uv_handle_t *)&s->sigterm, on_closed);
}
