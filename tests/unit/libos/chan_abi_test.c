/* SPDX-License-Identifier: MIT */
/*
 * Apps call the kernel's channel functions directly (libos re-exports
 * them), through their own header: libos/include/mosaic/chan.h must agree
 * with <kernel/chan.h> on struct chan_sel, the limits, the op codes and
 * the error numbers. chan_abi_app.c reports the app side.
 */
#include <kernel/chan.h>

#include <kernel/errno.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

long app_chan_abi(unsigned int i);

static void test_app_header_matches_kernel(void **state)
{
	const long kernel[] = {
		sizeof(struct chan_sel),
		offsetof(struct chan_sel, cs_chan),
		offsetof(struct chan_sel, cs_op),
		offsetof(struct chan_sel, cs_msg),
		CHAN_MSG_MAX,
		CHAN_SEL_MAX,
		CHAN_OP_SEND,
		CHAN_OP_RECV,
		-EAGAIN,
		-ENOMEM,
		-EBUSY,
		-EINVAL,
		-EPIPE,
		-ETIMEDOUT,
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(kernel) / sizeof(kernel[0]); i++)
		assert_int_equal(app_chan_abi(i), kernel[i]);
	assert_int_equal(app_chan_abi(sizeof(kernel) / sizeof(kernel[0])), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_app_header_matches_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
