/* SPDX-License-Identifier: MIT */
/*
 * The app side of chan_abi_test.c: what libos/include/mosaic/chan.h says
 * about the layout and constants apps share with <kernel/chan.h>. Kept
 * apart because the two headers declare the same functions.
 */
#include "mosaic/chan.h"

#include <stddef.h>

long app_chan_abi(unsigned int i);

long app_chan_abi(unsigned int i)
{
	const long v[] = {
		sizeof(struct chan_sel),
		offsetof(struct chan_sel, cs_chan),
		offsetof(struct chan_sel, cs_op),
		offsetof(struct chan_sel, cs_msg),
		CHAN_MSG_MAX,
		CHAN_SEL_MAX,
		CHAN_OP_SEND,
		CHAN_OP_RECV,
		CHAN_EAGAIN,
		CHAN_ENOMEM,
		CHAN_EBUSY,
		CHAN_EINVAL,
		CHAN_EPIPE,
		CHAN_ETIMEDOUT,
	};

	return i < sizeof(v) / sizeof(v[0]) ? v[i] : -1;
}
