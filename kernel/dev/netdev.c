// SPDX-License-Identifier: MIT
/*
 * The network device layer (<kernel/netdev.h>, <kernel/netdev_driver.h>):
 * names devices eth0, eth1, ..., checks every call against the device's
 * description before its driver sees it, passes the driver's
 * notifications on to the one client, and keeps the counters. It moves
 * no packet itself and never copies one.
 */
#include <kernel/arch.h>
#include <kernel/errno.h>
#include <kernel/fmt.h>
#include <kernel/init.h>
#include <kernel/netdev_driver.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#define NETDEV_MAX 16
#define ETH_HDR_BYTES 14
/* The stack's headers in front of a payload (NETBUF_HEADROOM): what is
 * left for the driver. */
#define NETDEV_STACK_HEADROOM 130
#define NETDEV_MTU_MIN 576
#define NETDEV_MTU_MAX 65521
#define IP_HDR_MIN 20
#define TCP_HDR_MIN 20
#define TCP_CSUM_FIELD 16

static struct netdev *devs[NETDEV_MAX];
static unsigned int ndevs;
/* The list, and each device's client and open state. */
static struct spinlock devs_lock = SPINLOCK_INIT("netdev");

static bool is_open(const struct netdev *nd)
{
	return __atomic_load_n(&nd->nd_open, __ATOMIC_ACQUIRE);
}

static void count(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static int check_info(const struct netdev *nd)
{
	const struct netdev_info *ni = &nd->nd_info;
	const struct netdev_ops *ops = nd->nd_ops;

	if (!ops || !ops->open || !ops->close || !ops->rx || !ops->tx ||
	    !ops->tx_kick)
		return -EINVAL;
	if (ni->ni_nqueues < 1 || ni->ni_nqueues > NETDEV_QUEUES_MAX ||
	    ni->ni_mtu < NETDEV_MTU_MIN || ni->ni_mtu > NETDEV_MTU_MAX ||
	    ni->ni_tx_headroom > NETBUF_HEADROOM - NETDEV_STACK_HEADROOM ||
	    ni->ni_tx_max_frags < 2)
		return -EINVAL;
	if (!(ni->ni_features & NETDEV_F_TSO4))
		return ni->ni_tso_max ? -EINVAL : 0;
	if (!(ni->ni_features & NETDEV_F_TX_CSUM) ||
	    ni->ni_tso_max < ni->ni_mtu || ni->ni_tso_max > NETDEV_TSO_MAX)
		return -EINVAL;
	return 0;
}

int netdev_register(struct netdev *nd)
{
	int rc = check_info(nd);

	if (rc)
		return rc;
	spin_lock(&devs_lock);
	if (ndevs == NETDEV_MAX) {
		spin_unlock(&devs_lock);
		return -ENOSPC;
	}
	nd->nd_index = ndevs;
	fmt_snprintf(nd->nd_info.ni_name, sizeof(nd->nd_info.ni_name), "eth%u",
		     ndevs);
	nd->nd_client = NULL;
	nd->nd_client_arg = NULL;
	nd->nd_open = false;
	nd->nd_busy = 0;
	memset(&nd->nd_stats, 0, sizeof(nd->nd_stats));
	devs[ndevs] = nd;
	/* Lock-free readers (netdev_count()) see the entry with the count. */
	__atomic_store_n(&ndevs, ndevs + 1, __ATOMIC_RELEASE);
	spin_unlock(&devs_lock);
	return 0;
}

unsigned int netdev_count(void)
{
	/* Whoever looks for devices of this class gets its drivers linked
	 * (netdev_get()/_find() go through here too). */
	DRIVER_CLASS_USE(net);
	return __atomic_load_n(&ndevs, __ATOMIC_ACQUIRE);
}

struct netdev *netdev_get(unsigned int i)
{
	return i < netdev_count() ? devs[i] : NULL;
}

struct netdev *netdev_find(const char *name)
{
	unsigned int i, n = netdev_count();

	if (!name)
		return NULL;
	for (i = 0; i < n; i++)
		if (kstrcmp(devs[i]->nd_info.ni_name, name) == 0)
			return devs[i];
	return NULL;
}

const struct netdev_info *netdev_info(const struct netdev *nd)
{
	return &nd->nd_info;
}

bool netdev_link_up(const struct netdev *nd)
{
	if (!(nd->nd_info.ni_features & NETDEV_F_LINK))
		return true;
	return __atomic_load_n(&nd->nd_link_up, __ATOMIC_ACQUIRE);
}

/* Clears the client and returns once no notification can still reach
 * it. With nd_busy raised before nd_client is read (notify()) and
 * nd_client cleared before nd_busy is read (here), both sequentially
 * consistent, either the notifier sees no client or we see it running. */
static void detach_client(struct netdev *nd)
{
	__atomic_store_n(&nd->nd_client, NULL, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&nd->nd_busy, __ATOMIC_SEQ_CST))
		arch_cpu_relax();
}

int netdev_open(struct netdev *nd, const struct netdev_client *c, void *arg)
{
	int rc;

	if (!nd || !c || !c->nc_rx_ready || !c->nc_link_change)
		return -EINVAL;
	spin_lock(&devs_lock);
	if (nd->nd_open) {
		spin_unlock(&devs_lock);
		return -EBUSY;
	}
	nd->nd_client_arg = arg;
	__atomic_store_n(&nd->nd_client, c, __ATOMIC_RELEASE);
	/* Open before the driver starts: its first notification may lead
	 * the client straight to netdev_rx(). */
	__atomic_store_n(&nd->nd_open, true, __ATOMIC_RELEASE);
	spin_unlock(&devs_lock);
	rc = nd->nd_ops->open(nd);
	if (rc) {
		detach_client(nd);
		__atomic_store_n(&nd->nd_open, false, __ATOMIC_RELEASE);
	}
	return rc;
}

void netdev_close(struct netdev *nd)
{
	if (!nd || !is_open(nd))
		return;
	nd->nd_ops->close(nd);
	detach_client(nd);
	__atomic_store_n(&nd->nd_open, false, __ATOMIC_RELEASE);
}

int netdev_rx(struct netdev *nd, unsigned int q, struct netbuf **out,
	      unsigned int max)
{
	int n, i;

	if (!nd || !out || !max || q >= nd->nd_info.ni_nqueues)
		return -EINVAL;
	if (!is_open(nd))
		return -ENODEV;
	n = nd->nd_ops->rx(nd, q, out, max);
	for (i = 0; i < n; i++) {
		out[i]->nb_dev = nd;
		out[i]->nb_queue = (uint16_t)q;
	}
	return n;
}

/*
 * Checks a super-frame of len bytes: the device must segment it, the
 * headers must all be in the first piece (the device copies them into
 * every segment), the checksum partial at the TCP header, and each
 * segment within the MTU. 0 or -EINVAL.
 */
static int check_gso(const struct netdev_info *ni, const struct netbuf *nb,
		     size_t len)
{
	const uint8_t *p = nb->nb_data;
	size_t ip_end, hdr_len;

	if (!(ni->ni_features & NETDEV_F_TSO4) ||
	    !(nb->nb_flags & NB_CSUM_PARTIAL) ||
	    nb->nb_csum_off != TCP_CSUM_FIELD || nb->nb_gso_size == 0 ||
	    nb->nb_len < ETH_HDR_BYTES + IP_HDR_MIN)
		return -EINVAL;
	/* IPv4 carrying TCP, the checksum starting at the TCP header. */
	ip_end = ETH_HDR_BYTES + (size_t)(p[ETH_HDR_BYTES] & 0xf) * 4;
	if (p[ETH_HDR_BYTES] >> 4 != 4 || ip_end < ETH_HDR_BYTES + IP_HDR_MIN ||
	    p[ETH_HDR_BYTES + 9] != 6 || nb->nb_csum_start != ip_end ||
	    nb->nb_len < ip_end + TCP_HDR_MIN)
		return -EINVAL;
	hdr_len = ip_end + (size_t)(p[ip_end + 12] >> 4) * 4;
	if (hdr_len < ip_end + TCP_HDR_MIN || nb->nb_len < hdr_len ||
	    len <= hdr_len ||
	    hdr_len - ETH_HDR_BYTES + nb->nb_gso_size > ni->ni_mtu)
		return -EINVAL;
	return 0;
}

/* Checks frame nb against the device; 0 or netdev_tx()'s error. */
static int check_frame(const struct netdev *nd, const struct netbuf *nb)
{
	const struct netdev_info *ni = &nd->nd_info;
	const struct netbuf *p;
	unsigned int pieces = 0;
	size_t len = 0;

	for (p = nb; p; p = p->nb_frag) {
		if (++pieces > ni->ni_tx_max_frags)
			return -EINVAL;
		len += p->nb_len;
	}
	if (len < ETH_HDR_BYTES)
		return -EINVAL;
	if (nb->nb_flags & NB_GSO_TCPV4) {
		if (!(ni->ni_features & NETDEV_F_TSO4))
			return -EINVAL;
		if (len > (size_t)ni->ni_tso_max + ETH_HDR_BYTES)
			return -EMSGSIZE;
	} else if (len > (size_t)ni->ni_mtu + ETH_HDR_BYTES) {
		return -EMSGSIZE;
	}
	/* The driver pushes its header in front: the piece must have room
	 * and be the sender's alone. */
	if (netbuf_headroom(nb) < ni->ni_tx_headroom ||
	    __atomic_load_n(&nb->nb_refs, __ATOMIC_ACQUIRE) != 1)
		return -EINVAL;
	if (nb->nb_flags & NB_CSUM_PARTIAL) {
		if (!(ni->ni_features & NETDEV_F_TX_CSUM) ||
		    nb->nb_csum_start < ETH_HDR_BYTES ||
		    (size_t)nb->nb_csum_start + nb->nb_csum_off + 2 > len)
			return -EINVAL;
	}
	if (nb->nb_flags & NB_GSO_TCPV4)
		return check_gso(ni, nb, len);
	return 0;
}

int netdev_tx(struct netdev *nd, unsigned int q, struct netbuf *nb, bool more)
{
	bool tso;
	int rc;

	if (!nd || !nb || q >= nd->nd_info.ni_nqueues)
		return -EINVAL;
	if (!is_open(nd))
		return -ENODEV;
	rc = check_frame(nd, nb);
	if (rc) {
		netdev_count_tx_error(nd);
		return rc;
	}
	/* Read first: once posted, nb is the driver's. */
	tso = nb->nb_flags & NB_GSO_TCPV4;
	rc = nd->nd_ops->tx(nd, q, nb, more);
	if (rc == 0 && tso)
		count(&nd->nd_stats.nd_tx_tso, 1);
	return rc;
}

void netdev_tx_kick(struct netdev *nd, unsigned int q)
{
	if (!nd || q >= nd->nd_info.ni_nqueues || !is_open(nd))
		return;
	nd->nd_ops->tx_kick(nd, q);
}

unsigned int netdev_tx_pending(struct netdev *nd, unsigned int q)
{
	if (!nd || q >= nd->nd_info.ni_nqueues || !nd->nd_ops->tx_pending)
		return 0;
	return nd->nd_ops->tx_pending(nd, q);
}

static uint64_t load(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

void netdev_get_stats(const struct netdev *nd, struct netdev_stats *st)
{
	const struct netdev_stats *s = &nd->nd_stats;

	st->nd_rx_packets = load(&s->nd_rx_packets);
	st->nd_rx_bytes = load(&s->nd_rx_bytes);
	st->nd_tx_packets = load(&s->nd_tx_packets);
	st->nd_tx_bytes = load(&s->nd_tx_bytes);
	st->nd_rx_dropped = load(&s->nd_rx_dropped);
	st->nd_tx_errors = load(&s->nd_tx_errors);
	st->nd_rx_irqs = load(&s->nd_rx_irqs);
	st->nd_tx_irqs = load(&s->nd_tx_irqs);
	st->nd_tx_tso = load(&s->nd_tx_tso);
}

/* Driver side ------------------------------------------------------------- */

enum note { NOTE_RX, NOTE_TX, NOTE_LINK };

static void notify(struct netdev *nd, enum note what, unsigned int q)
{
	const struct netdev_client *c;

	__atomic_fetch_add(&nd->nd_busy, 1, __ATOMIC_SEQ_CST);
	c = __atomic_load_n(&nd->nd_client, __ATOMIC_SEQ_CST);
	if (c) {
		switch (what) {
		case NOTE_RX:
			c->nc_rx_ready(nd->nd_client_arg, q);
			break;
		case NOTE_TX:
			if (c->nc_tx_ready)
				c->nc_tx_ready(nd->nd_client_arg, q);
			break;
		case NOTE_LINK:
			c->nc_link_change(nd->nd_client_arg);
			break;
		}
	}
	__atomic_fetch_sub(&nd->nd_busy, 1, __ATOMIC_RELEASE);
}

void netdev_rx_ready(struct netdev *nd, unsigned int q)
{
	notify(nd, NOTE_RX, q);
}

void netdev_tx_ready(struct netdev *nd, unsigned int q)
{
	notify(nd, NOTE_TX, q);
}

void netdev_link_changed(struct netdev *nd, bool up)
{
	if (__atomic_exchange_n(&nd->nd_link_up, up, __ATOMIC_ACQ_REL) != up)
		notify(nd, NOTE_LINK, 0);
}

void netdev_count_rx(struct netdev *nd, size_t bytes)
{
	count(&nd->nd_stats.nd_rx_packets, 1);
	count(&nd->nd_stats.nd_rx_bytes, bytes);
}

void netdev_count_tx(struct netdev *nd, size_t bytes)
{
	count(&nd->nd_stats.nd_tx_packets, 1);
	count(&nd->nd_stats.nd_tx_bytes, bytes);
}

void netdev_count_rx_drop(struct netdev *nd)
{
	count(&nd->nd_stats.nd_rx_dropped, 1);
}

void netdev_count_tx_error(struct netdev *nd)
{
	count(&nd->nd_stats.nd_tx_errors, 1);
}

void netdev_count_irq(struct netdev *nd, bool rx)
{
	count(rx ? &nd->nd_stats.nd_rx_irqs : &nd->nd_stats.nd_tx_irqs, 1);
}
