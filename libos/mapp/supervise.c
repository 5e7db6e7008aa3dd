/* SPDX-License-Identifier: MIT */
/*
 * mapp_supervise(): a supervisor is itself a microapp. It runs the child,
 * joins it, and decides by the policy whether to start it again; the
 * restart budget is a window over the times of the last restarts (the
 * Erlang/OTP intensity and period pair).
 */
#include <mosaic/mapp.h>

#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/log.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/time.h>

#define SUP_NAME_MAX 16
#define RESTARTS_TRACKED 64 /* a larger max_restarts is clamped to this */

struct supervisor {
	char s_name[SUP_NAME_MAX]; /* the child's */
	int (*s_fn)(void *);
	void *s_arg;
	struct mapp_opts s_opts;
	struct mapp_policy s_policy;
	uint64_t s_times[RESTARTS_TRACKED]; /* ring of restart times */
};

/* Whether one more restart stays within max_restarts per window. */
static bool budget_allows(struct supervisor *s, unsigned int done, uint64_t now)
{
	unsigned int max = s->s_policy.max_restarts;
	uint64_t oldest;

	if (max > RESTARTS_TRACKED)
		max = RESTARTS_TRACKED;
	if (max == 0)
		return false;
	if (done < max)
		return true;
	if (s->s_policy.window_ns == 0)
		return false;
	/* The restart `max` ago must have left the window. */
	oldest = s->s_times[(done - max) % RESTARTS_TRACKED];
	return now - oldest >= s->s_policy.window_ns;
}

static bool wants_restart(const struct supervisor *s,
			  const struct mapp_exit *ex)
{
	switch (s->s_policy.restart) {
	case MAPP_RESTART_ALWAYS:
		return true;
	case MAPP_RESTART_ON_FAILURE:
		return ex->faulted || ex->status != 0;
	default:
		return false;
	}
}

static int supervise(void *arg)
{
	struct supervisor *s = arg;
	struct mapp_exit ex = { 0 };
	struct task_exit te = { 0 };
	unsigned int restarts = 0;
	mapp_t child;
	int rc, status;

	for (;;) {
		rc = mapp_spawn(&child, s->s_name, s->s_fn, s->s_arg,
				&s->s_opts);
		if (rc) {
			log_warn("supervisor: cannot start \"%s\" (%d)\n",
				 s->s_name, rc);
			/* Report the failed start, not the run before it. */
			ex.faulted = 0;
			ex.fault[0] = '\0';
			status = rc;
			break;
		}
		mapp_join(child, &ex);
		status = ex.faulted ? -EFAULT : ex.status;
		if (!wants_restart(s, &ex))
			break;
		if (!budget_allows(s, restarts, time_ns())) {
			log_warn("supervisor: \"%s\" failed too often; "
				 "giving up after %u restarts\n",
				 s->s_name, restarts);
			break;
		}
		s->s_times[restarts % RESTARTS_TRACKED] = time_ns();
		restarts++;
		log_info("supervisor: restarting \"%s\" (%u)\n", s->s_name,
			 restarts);
	}
	/* The supervisor ends the way the child last did, plus the count
	 * of restarts, so its joiner sees what happened. */
	heap_free(s);
	te.te_status = ex.faulted ? 0 : status;
	te.te_faulted = ex.faulted;
	kstrlcpy(te.te_fault, ex.fault, sizeof(te.te_fault));
	te.te_restarts = restarts;
	sched_exit_with(&te);
}

int mapp_supervise(mapp_t *out, const char *name, int (*fn)(void *), void *arg,
		   const struct mapp_opts *opts,
		   const struct mapp_policy *policy)
{
	struct supervisor *s;
	char sup_name[SUP_NAME_MAX];
	int rc;

	if (!fn || !policy)
		return -EINVAL;
	s = heap_calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	kstrlcpy(s->s_name, name ? name : "task", sizeof(s->s_name));
	s->s_fn = fn;
	s->s_arg = arg;
	if (opts)
		s->s_opts = *opts;
	s->s_policy = *policy;
	kstrlcpy(sup_name, "sup:", sizeof(sup_name));
	kstrlcpy(sup_name + 4, s->s_name, sizeof(sup_name) - 4);
	rc = mapp_spawn(out, sup_name, supervise, s, NULL);
	if (rc)
		heap_free(s);
	return rc;
}
