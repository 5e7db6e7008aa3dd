/* SPDX-License-Identifier: MIT */
/*
 * The appliance's stack instance and "netd", the microapp that drives
 * it (<net/netd.h>).
 *
 * Interrupts never run the stack: a device's rx_ready (or link change)
 * hook only sets a flag and ups netd's semaphore. netd then takes the
 * stack mutex, drains each device in batches, runs the due timers and
 * sleeps until the next event or the earliest timer. Socket calls run
 * the stack themselves under the same mutex, so a request and its reply
 * need no hand-off to netd; they only nudge netd (net_kick) when they
 * armed a timer earlier than the one it sleeps for.
 *
 * Transmit batching: frames are posted with `more` set and the devices
 * are told once, when the mutex is released (net_unlock) or netd ends a
 * round, so a burst of segments costs one doorbell.
 */
#include <stdlib.h>

#include <kernel/errno.h>
#include <kernel/fmt.h>
#include <kernel/init.h>
#include <kernel/log.h>
#include <kernel/netdev.h>
#include <kernel/param.h>
#include <kernel/random.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/sync.h>
#include <kernel/time.h>
#include <net/dhcp.h>
#include <net/ip.h>
#include <net/netd.h>
#include <net/tcp.h>

#define NETD_IFS_MAX 4
#define NETD_RX_BATCH 32
/* Batches one device may take in a round before netd lets others run
 * (cooperative scheduling: a flood must not starve the CPU). */
#define NETD_RX_ROUNDS 8
#define NETD_DHCP_TIMEOUT_NS (10ull * 1000000000)
#define NETD_DNS_MAX 3
/* How long the end of the image waits for connections to deliver what
 * was queued: a few retransmission timeouts with backoff. */
#define NETD_EXIT_DRAIN_NS (10ull * 1000000000)
/* How often the exit drain looks at a device's transmit queue. */
#define NETD_EXIT_POLL_NS 1000000ull

/* Locking: [M] net_stack_mutex, the stack's (net_lock()); its name is
 * one nm finds alone, for a stall report reading it from outside. */

/* One device under the stack. */
struct netd_if {
	struct netif ni;
	struct netdev *nd;
	bool kick; /* [M] frames posted with `more` */
	bool link_up; /* [M] what the stack was last told */
	struct dhcp_client *dhcp; /* [M] NULL unless mosaic.net=dhcp */
};

enum net_mode { NET_DHCP, NET_STATIC, NET_NONE };

static struct {
	enum net_mode mode;
	uint32_t addr, mask, gw, dns;
} conf = { .mode = NET_DHCP };

static struct netstack stack;
static bool started; /* [a] set once the instance works */
static struct mutex net_stack_mutex = MUTEX_INIT("net");
static struct cond configured_cv = COND_INIT("net configured");
/* exit() waits on it for the stack to deliver queued data (lock). */
static struct cond drain_cv = COND_INIT("net drain");
static bool draining; /* [M] */
static struct netd_if ifs[NETD_IFS_MAX];
static unsigned int nifs;
static uint32_t dns[NETD_DNS_MAX]; /* [M] */
static unsigned int ndns; /* [M] */

/* netd's wake-up: a unit in the semaphore means "look again". pending
 * keeps the count at one however many events arrive. */
static struct sem netd_sem = SEM_INIT("netd", 0);
static bool pending; /* [a] */
static uint64_t netd_sleep_until; /* [a] UINT64_MAX: no deadline */

/* ---- The environment the core asks for. */

uint64_t net_now_ns(void)
{
	return time_ns();
}

void net_random(void *buf, size_t len)
{
	random_bytes(buf, len);
}

/* ---- mosaic.net= */

/* The option is applied while the kernel parses its command line, before
 * the task that would carry a stack canary exists: no canary here. */
#define NO_SSP __attribute__((optimize("no-stack-protector")))

/* Parses a dotted quad at *p, advancing it. */
static NO_SSP int parse_ip(const char **p, uint32_t *out)
{
	uint8_t b[4];
	const char *s = *p;

	for (int i = 0; i < 4; i++) {
		unsigned int v = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned int)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return -EINVAL;
		b[i] = (uint8_t)v;
		if (i < 3 && *s++ != '.')
			return -EINVAL;
	}
	memcpy(out, b, 4);
	*p = s;
	return 0;
}

static NO_SSP int set_net(const char *value)
{
	if (value == NULL)
		return -EINVAL;
	/* The option is always parsed; the stack is linked only with an app
	 * that uses sockets or the resolver. Say so instead of ignoring it
	 * silently. */
	if (!initcall_is_linked("net_start_boot"))
		printk("net: mosaic.net=%s ignored: this image has no network "
		       "stack (the app uses no sockets)\n",
		       value);
	if (!kstrcmp(value, "dhcp")) {
		conf.mode = NET_DHCP;
		return 0;
	}
	if (!kstrcmp(value, "none")) {
		conf.mode = NET_NONE;
		return 0;
	}
	if (kstrncmp(value, "static:", 7))
		return -EINVAL;
	const char *p = value + 7;
	uint32_t addr, gw = 0, dnsaddr = 0;
	unsigned int prefix = 0, digits = 0;
	if (parse_ip(&p, &addr) || *p++ != '/')
		return -EINVAL;
	while (*p >= '0' && *p <= '9' && digits < 3) {
		prefix = prefix * 10 + (unsigned int)(*p++ - '0');
		digits++;
	}
	if (digits == 0 || prefix < 1 || prefix > 32)
		return -EINVAL;
	if (*p == ',') {
		p++;
		if (parse_ip(&p, &gw))
			return -EINVAL;
		if (*p == ',') {
			p++;
			if (parse_ip(&p, &dnsaddr))
				return -EINVAL;
		}
	}
	if (*p != '\0' || addr == 0)
		return -EINVAL;
	uint32_t mask_host =
		prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
	conf.mode = NET_STATIC;
	conf.addr = addr;
	conf.mask = __builtin_bswap32(mask_host);
	conf.gw = gw;
	conf.dns = dnsaddr;
	return 0;
}
KERNEL_PARAM("net", set_net,
	     "dhcp, none or static:IP/NN[,GATEWAY[,DNS]], e.g. "
	     "static:10.0.0.2/24,10.0.0.1");

/* ---- Waking netd. */

static void netd_poke(void)
{
	if (!__atomic_exchange_n(&pending, true, __ATOMIC_ACQ_REL))
		sem_up(&netd_sem);
}

static void on_rx_ready(void *arg, unsigned int q)
{
	(void)arg, (void)q;
	netd_poke();
}

static void on_link_change(void *arg)
{
	(void)arg;
	netd_poke();
}

static const struct netdev_client client = {
	.nc_rx_ready = on_rx_ready,
	.nc_link_change = on_link_change,
};

/* ---- The lock, and the transmit doorbells it rings on release. */

static void kick_devices(void)
{
	for (unsigned int i = 0; i < nifs; i++) {
		if (ifs[i].kick) {
			ifs[i].kick = false;
			netdev_tx_kick(ifs[i].nd, 0);
		}
	}
}

void net_lock(void)
{
	mutex_lock(&net_stack_mutex);
}

void net_unlock(void)
{
	kick_devices();
	/* Whatever ran under the lock may have moved a connection on. */
	if (draining)
		cond_broadcast(&drain_cv);
	mutex_unlock(&net_stack_mutex);
}

struct mutex *net_mutex(void)
{
	return &net_stack_mutex;
}

struct netstack *net_stack(void)
{
	return __atomic_load_n(&started, __ATOMIC_ACQUIRE) ? &stack : NULL;
}

void net_kick(void)
{
	netstack_process(&stack);
	uint64_t next = netstack_next_deadline(&stack);
	if (next < __atomic_load_n(&netd_sleep_until, __ATOMIC_ACQUIRE))
		netd_poke();
}

static int if_xmit(struct netif *ni, struct netbuf *nb)
{
	struct netd_if *ifp = container_of(ni, struct netd_if, ni);
	int err = netdev_tx(ifp->nd, 0, nb, true);

	if (err) {
		netbuf_put(nb);
		return err;
	}
	ifp->kick = true;
	return 0;
}

/* ---- Configuration. */

static void print_config(const struct netd_if *ifp, const char *how)
{
	const struct netif *ni = &ifp->ni;
	const uint8_t *a = (const uint8_t *)&ni->ni_addr;
	const uint8_t *g = (const uint8_t *)&ni->ni_gw;
	/* Not __builtin_popcount: that becomes a libgcc call here. */
	unsigned int prefix = 0;
	for (uint32_t m = ni->ni_mask; m != 0; m &= m - 1)
		prefix++;
	char dnsbuf[24] = "";

	if (ndns > 0) {
		const uint8_t *d = (const uint8_t *)&dns[0];
		fmt_snprintf(dnsbuf, sizeof(dnsbuf), " dns %u.%u.%u.%u", d[0],
			     d[1], d[2], d[3]);
	}
	printk("net: %s %u.%u.%u.%u/%u gw %u.%u.%u.%u%s (%s)\n", ni->ni_name,
	       a[0], a[1], a[2], a[3], prefix, g[0], g[1], g[2], g[3], dnsbuf,
	       how);
}

/* The DHCP client's lease changed (lock held). */
static void on_dhcp_change(void *arg)
{
	struct netd_if *ifp = arg;
	struct dhcp_lease lease;
	int err = dhcp_get_lease(ifp->dhcp, &lease);

	if (err == 0) {
		ndns = 0;
		for (unsigned int i = 0;
		     i < lease.dl_ndns && ndns < NETD_DNS_MAX; i++)
			dns[ndns++] = lease.dl_dns[i];
		print_config(ifp, "dhcp");
	} else if (err == -ETIMEDOUT) {
		printk("net: %s: no DHCP lease yet (still asking)\n",
		       ifp->ni.ni_name);
	} else {
		printk("net: %s lease lost\n", ifp->ni.ni_name);
	}
	cond_broadcast(&configured_cv);
}

static bool any_configured(void)
{
	for (unsigned int i = 0; i < nifs; i++)
		if (ifs[i].ni.ni_flags & NETIF_CONFIGURED)
			return true;
	return false;
}

int net_dns_servers(uint32_t *servers, int max)
{
	int n = 0;

	if (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		return 0;
	net_lock();
	for (unsigned int i = 0; i < ndns && n < max; i++)
		servers[n++] = dns[i];
	net_unlock();
	return n;
}

int net_wait_configured(uint64_t deadline_ns)
{
	int err = 0;

	if (!__atomic_load_n(&started, __ATOMIC_ACQUIRE) || nifs == 0 ||
	    conf.mode == NET_NONE)
		return -ENETDOWN;
	if (deadline_ns == 0)
		deadline_ns = time_ns() + NETD_DHCP_TIMEOUT_NS;
	net_lock();
	while (!any_configured() && err == 0)
		err = cond_timedwait(&configured_cv, &net_stack_mutex,
				     deadline_ns);
	if (any_configured())
		err = 0;
	net_unlock();
	return err;
}

/* ---- netd. */

/* Brings the stack's view of each link in line with the device's. */
static void update_links(void)
{
	for (unsigned int i = 0; i < nifs; i++) {
		struct netd_if *ifp = &ifs[i];
		bool up = netdev_link_up(ifp->nd);
		if (up != ifp->link_up) {
			ifp->link_up = up;
			netif_set_up(&ifp->ni, up);
			printk("net: %s link %s\n", ifp->ni.ni_name,
			       up ? "up" : "down");
		}
	}
}

/* Takes what the devices received. Returns true when a device still had
 * frames after NETD_RX_ROUNDS batches (netd goes round again after
 * letting other microapps run). */
static bool drain_devices(void)
{
	struct netbuf *batch[NETD_RX_BATCH];
	bool more = false;

	for (unsigned int i = 0; i < nifs; i++) {
		struct netd_if *ifp = &ifs[i];
		int n = NETD_RX_BATCH;
		for (int round = 0; n == NETD_RX_BATCH; round++) {
			if (round == NETD_RX_ROUNDS) {
				more = true;
				break;
			}
			n = netdev_rx(ifp->nd, 0, batch, NETD_RX_BATCH);
			for (int k = 0; k < n; k++) {
				ether_input(&ifp->ni, batch[k]);
				netstack_process(&stack);
			}
		}
	}
	return more;
}

static int netd_main(void *arg)
{
	(void)arg;
	/* A round wakes the connections it delivered to, then netd blocks
	 * or yields (below): they run next on this CPU, where their data
	 * is, instead of crossing to another and meeting the stack mutex
	 * netd still holds. */
	sched_set_batch_waker(true);
	for (;;) {
		__atomic_store_n(&pending, false, __ATOMIC_RELEASE);
		net_lock();
		update_links();
		bool more = drain_devices();
		netstack_run_timers(&stack, time_ns());
		netstack_process(&stack);
		uint64_t next = netstack_next_deadline(&stack);
		__atomic_store_n(&netd_sleep_until, next, __ATOMIC_RELEASE);
		net_unlock();
		if (more) {
			sched_yield_cpu();
			continue;
		}
		/* Poked during the round: the semaphore will not block, so
		 * let the tasks this round woke (queued here, as a batch
		 * waker's are) run before the next one. */
		if (__atomic_load_n(&pending, __ATOMIC_ACQUIRE))
			sched_yield_cpu();
		/* A socket call that armed an earlier timer after we read the
		 * deadline pokes the semaphore: nothing is missed. */
		int err =
			sem_timeddown(&netd_sem, next == UINT64_MAX ? 0 : next);
		(void)err; /* woken or due: either way, go round */
	}
	return 0;
}

/* ---- Start. */

static int attach(struct netdev *nd)
{
	const struct netdev_info *info = netdev_info(nd);
	struct netd_if *ifp = &ifs[nifs];
	struct netif *ni = &ifp->ni;
	int err;

	memset(ifp, 0, sizeof(*ifp));
	ifp->nd = nd;
	kstrlcpy(ni->ni_name, info->ni_name, sizeof(ni->ni_name));
	memcpy(ni->ni_mac, info->ni_mac, 6);
	ni->ni_mtu = info->ni_mtu;
	ni->ni_headroom = info->ni_tx_headroom;
	ni->ni_xmit = if_xmit;
	if (info->ni_features & NETDEV_F_TX_CSUM)
		ni->ni_flags |= NETIF_TX_CSUM;
	if (info->ni_features & NETDEV_F_RX_CSUM)
		ni->ni_flags |= NETIF_RX_CSUM;
	ni->ni_tx_frags = info->ni_tx_max_frags;
	if (info->ni_features & NETDEV_F_TSO4) {
		ni->ni_flags |= NETIF_TSO4;
		ni->ni_tso_max = info->ni_tso_max;
	}
	err = netif_add(&stack, ni);
	if (err)
		return err;
	err = netdev_open(nd, &client, ifp);
	if (err) {
		netif_remove(ni);
		return err;
	}
	nifs++;
	ifp->link_up = netdev_link_up(nd);
	netif_set_up(ni, ifp->link_up);

	/* The first device takes the configuration. */
	if (nifs != 1 || conf.mode == NET_NONE)
		return 0;
	if (conf.mode == NET_STATIC) {
		netif_set_addr(ni, conf.addr, conf.mask, conf.gw);
		if (conf.dns)
			dns[ndns++] = conf.dns;
		print_config(ifp, "static");
		return 0;
	}
	err = dhcp_start(&stack, ni, on_dhcp_change, ifp, &ifp->dhcp);
	if (err)
		printk("net: %s: DHCP did not start (error %d)\n", ni->ni_name,
		       err);
	return 0;
}

/* Boot: a device means the appliance is on a network, so the stack
 * starts (and DHCP runs) before main(). Without one, the first socket
 * starts it for the loopback. */
int net_start(void)
{
	static struct mutex start_lock = MUTEX_INIT("net start");
	static int start_err;
	unsigned int count = netdev_count();
	int err;

	/* An image that can start the stack starts it at boot too. */
	INITCALL_USE(net_start_boot);
	mutex_lock(&start_lock);
	if (started || start_err) {
		mutex_unlock(&start_lock);
		return start_err;
	}
	err = netstack_init(&stack);
	if (err) {
		start_err = err;
		mutex_unlock(&start_lock);
		return err;
	}
	net_lock();
	__atomic_store_n(&started, true, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < count && nifs < NETD_IFS_MAX; i++) {
		err = attach(netdev_get(i));
		if (err)
			printk("net: %s not used (error %d)\n",
			       netdev_info(netdev_get(i))->ni_name, err);
	}
	net_kick();
	net_unlock();
	if (conf.mode == NET_NONE)
		printk("net: not configured (mosaic.net=none)\n");

	struct task_opts opts = { .to_stack_size = 16384 };
	err = sched_spawn(NULL, "netd", netd_main, NULL, &opts);
	if (err) {
		/* The stack stays usable (sockets run it themselves); only
		 * timers and received frames wait. Say so once. */
		printk("net: netd did not start (error %d)\n", err);
		start_err = err;
	}
	mutex_unlock(&start_lock);
	return err;
}

/* Frames not yet on the wire: held for ARP, or in a device's transmit
 * queue (lock held). */
static unsigned int frames_unsent(void)
{
	unsigned int n = 0;

	kick_devices();
	for (unsigned int i = 0; i < nifs; i++)
		n += arp_held(&ifs[i].ni) + netdev_tx_pending(ifs[i].nd, 0);
	return n;
}

/*
 * At exit(): the image, and every connection with it, ends with the app.
 * close() returns with data still queued (the stack sends it and the FIN
 * afterwards), and a server typically closes and returns from main() at
 * once, so without this wait the peer would see the tail of the stream
 * cut off (QEMU's user network even closes the host side cleanly: a
 * prefix, then end of stream). A datagram sent just before exit() is in
 * the same position: still waiting for its next hop's ARP answer, or
 * posted to the device and not yet read by it. Bounded: a peer that
 * stopped reading or went away does not hold the image.
 */
static void drain_at_exit(void)
{
	uint64_t deadline = time_ns() + NETD_EXIT_DRAIN_NS;
	unsigned int tcp, frames;
	int err = 0;

	net_lock();
	draining = true;
	for (;;) {
		tcp = tcp_sending(&stack);
		frames = frames_unsent();
		if ((tcp == 0 && frames == 0) || err != 0)
			break;
		/* Stack progress wakes us (net_unlock); a device finishing a
		 * frame does not interrupt, so then look again shortly. */
		uint64_t until = deadline;
		if (frames != 0 && time_ns() + NETD_EXIT_POLL_NS < until)
			until = time_ns() + NETD_EXIT_POLL_NS;
		err = cond_timedwait(&drain_cv, &net_stack_mutex, until);
		if (err == -ETIMEDOUT && until != deadline)
			err = 0;
	}
	draining = false;
	net_unlock();
	if (tcp != 0)
		printk("net: exit with %u connection%s still sending\n", tcp,
		       tcp == 1 ? "" : "s");
	if (frames != 0)
		printk("net: exit with %u frame%s not sent\n", frames,
		       frames == 1 ? "" : "s");
}

/*
 * Before main() ("app" initcall, linked only with net_start(), i.e. when
 * the app uses sockets or the resolver): starts the stack when a network
 * device exists (so DHCP runs and the address is printed at boot), and
 * registers an atexit() handler: exit() then waits, up to 10 s, until no
 * TCP connection (closed sockets' included) has data or a FIN the peer
 * has not acknowledged (tcp_sending()) and no frame waits for ARP or sits
 * in a device's transmit queue, since the image ends with the app.
 */
static int net_start_boot(void)
{
	if (netdev_count() == 0)
		return 0;
	int err = net_start();
	/* Before main(), so the app's own atexit handlers run first. A
	 * stack without a device only carries the loopback, whose both
	 * ends end together. */
	if (err == 0 && nifs > 0 && atexit(drain_at_exit) != 0)
		printk("net: no exit drain (atexit table full)\n");
	return err;
}
INITCALL_ON_USE(app, net_start_boot);
