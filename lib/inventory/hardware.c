/* SPDX-License-Identifier: MIT */
/*
 * Live-system facts: CPU, memory, disks, DMI, network interfaces, uptime.
 * Everything is read from /proc and /sys in small bounded reads; a fact
 * that cannot be read is left out, never an error.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"
#include "internal.h"

#define HW_MAX_DISKS 256
#define HW_MAX_IFS 256
#define HW_MAX_ADDRS 64

static const char *hdup(struct fp_inventory *inv, const char *s)
{
	return fp_arena_strdup(&inv->arena, s);
}

/* A DMI or cpuinfo string worth reporting: printable, not a placeholder. */
static const char *clean(struct fp_inventory *inv, const char *s)
{
	struct fp_str v = fp_str_trim(fp_str_c(s));

	if (!v.len || !fp__is_text(v, 256) || fp_str_eq_c(v, "To Be Filled By O.E.M.") ||
	    fp_str_eq_c(v, "Default string") || fp_str_eq_c(v, "Not Specified"))
		return NULL;
	return fp_arena_strndup(&inv->arena, v.p, v.len);
}

/* The model is in the first processor's block: read only the start. */
#define CPUINFO_HEAD 16384

static void cpu(struct fp_inventory *inv)
{
	struct fp_str line;
	unsigned long lineno = 0;
	size_t pos = 0;
	char data[CPUINFO_HEAD];
	long n = fp__read_small("/proc/cpuinfo", data, sizeof(data));
	long count = sysconf(_SC_NPROCESSORS_CONF);

	while (n > 0 && !inv->hw.cpu_model &&
	       fp__next_line(data, (size_t)n, &pos, &lineno, 0, &line, NULL) > 0) {
		const char *colon = memchr(line.p, ':', line.len);
		struct fp_str key, val;
		if (!colon)
			continue;
		key = fp_str_trim(fp_str_make(line.p, (size_t)(colon - line.p)));
		val = fp_str_trim(fp_str_make(colon + 1, line.len - (size_t)(colon + 1 - line.p)));
		if ((fp_str_eq_c(key, "model name") || fp_str_eq_c(key, "Model") ||
		     fp_str_eq_c(key, "cpu model") || fp_str_eq_c(key, "cpu")) &&
		    val.len && fp__is_text(val, 256))
			inv->hw.cpu_model = fp_arena_strndup(&inv->arena, val.p, val.len);
	}
	inv->hw.cpu_count = count > 0 && count < (1 << 20) ? (int)count : 0;
}

static void memory(struct fp_inventory *inv)
{
	char buf[4096], *p;

	if (fp__read_small("/proc/meminfo", buf, sizeof(buf)) <= 0)
		return;
	p = strstr(buf, "MemTotal:");
	if (p) {
		unsigned long long kb = strtoull(p + 9, NULL, 10);
		if (kb && kb < (1ULL << 50))
			inv->hw.memory_bytes = kb * 1024;
	}
}

static int disks(struct fp_inventory *inv)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	struct fp_disk *arr;
	size_t n = 0;

	if (!d)
		return 0;
	arr = fp_arena_calloc(&inv->arena, HW_MAX_DISKS, sizeof(*arr));
	if (!arr) {
		closedir(d);
		return FP_ENOMEM;
	}
	while ((e = readdir(d)) && n < HW_MAX_DISKS) {
		char path[512], buf[64];
		if (e->d_name[0] == '.' || !strncmp(e->d_name, "loop", 4) ||
		    !strncmp(e->d_name, "ram", 3) || !strncmp(e->d_name, "zram", 4) ||
		    !fp__is_token(fp_str_c(e->d_name), 64))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/size", e->d_name);
		if (fp__read_small(path, buf, sizeof(buf)) <= 0)
			continue;
		arr[n].name = hdup(inv, e->d_name);
		if (!arr[n].name)
			break;
		arr[n].size_bytes = strtoull(buf, NULL, 10) * 512;
		n++;
	}
	closedir(d);
	inv->hw.disks = arr;
	inv->hw.n_disks = n;
	return 0;
}

static void dmi(struct fp_inventory *inv)
{
	static const char *const files[] = { "sys_vendor", "product_name",
					     "product_serial" };
	const char **dst[] = { &inv->hw.vendor, &inv->hw.model, &inv->hw.serial };
	char path[128], buf[260];

	for (size_t i = 0; i < FP_ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "/sys/class/dmi/id/%s", files[i]);
		if (fp__read_small(path, buf, sizeof(buf)) > 0)
			*dst[i] = clean(inv, buf);
	}
}

static void uptime(struct fp_inventory *inv)
{
	char buf[128];

	if (fp__read_small("/proc/uptime", buf, sizeof(buf)) > 0) {
		double up = strtod(buf, NULL);
		if (up >= 0 && up < 1e12)
			inv->uptime_seconds = (int64_t)up;
	}
}

int fp__collect_hardware(struct fp_inventory *inv, struct fp_diag *diag)
{
	cpu(inv);
	memory(inv);
	dmi(inv);
	uptime(inv);
	if (disks(inv))
		return fp_diag_set(diag, FP_ENOMEM, 0, 0, "out of memory");
	return 0;
}

static struct fp_netif *netif_of(struct fp_inventory *inv, const char *name)
{
	struct fp_netif *i;

	for (size_t k = 0; k < inv->n_interfaces; k++)
		if (!strcmp(inv->interfaces[k].name, name))
			return &inv->interfaces[k];
	if (inv->n_interfaces >= HW_MAX_IFS || !fp__is_token(fp_str_c(name), IFNAMSIZ))
		return NULL;
	i = &inv->interfaces[inv->n_interfaces];
	memset(i, 0, sizeof(*i));
	if (!(i->name = hdup(inv, name)) ||
	    !(i->addresses = fp_arena_calloc(&inv->arena, HW_MAX_ADDRS, sizeof(char *))))
		return NULL;
	inv->n_interfaces++;
	{
		char path[128], mac[64];
		snprintf(path, sizeof(path), "/sys/class/net/%s/address", name);
		if (fp__read_small(path, mac, sizeof(mac)) > 0 &&
		    strcmp(mac, "00:00:00:00:00:00") && fp__is_token(fp_str_c(mac), 59))
			i->mac = hdup(inv, mac);
	}
	return i;
}

static int prefix_len(const struct sockaddr *mask)
{
	const unsigned char *b;
	size_t n;
	int bits = 0;

	if (!mask)
		return 0;
	if (mask->sa_family == AF_INET) {
		b = (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr;
		n = 4;
	} else if (mask->sa_family == AF_INET6) {
		b = (const unsigned char *)&((const struct sockaddr_in6 *)mask)->sin6_addr;
		n = 16;
	} else {
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		bits += __builtin_popcount(b[i]);
	return bits;
}

int fp__collect_network(struct fp_inventory *inv, struct fp_diag *diag)
{
	struct ifaddrs *ifa = NULL, *a;

	if (getifaddrs(&ifa) < 0)
		return 0;
	inv->interfaces = fp_arena_calloc(&inv->arena, HW_MAX_IFS, sizeof(*inv->interfaces));
	if (!inv->interfaces)
		goto out_nomem;
	for (a = ifa; a; a = a->ifa_next) {
		struct fp_netif *i;
		char host[INET6_ADDRSTRLEN], addr[INET6_ADDRSTRLEN + 16];
		const void *src;
		int fam;

		if (!a->ifa_name || (a->ifa_flags & IFF_LOOPBACK))
			continue;
		i = netif_of(inv, a->ifa_name);
		if (!i)
			continue;
		if (!a->ifa_addr)
			continue;
		fam = a->ifa_addr->sa_family;
		if (fam == AF_INET)
			src = &((const struct sockaddr_in *)a->ifa_addr)->sin_addr;
		else if (fam == AF_INET6)
			src = &((const struct sockaddr_in6 *)a->ifa_addr)->sin6_addr;
		else
			continue;
		if (!inet_ntop(fam, src, host, sizeof(host)) ||
		    i->n_addresses >= HW_MAX_ADDRS)
			continue;
		snprintf(addr, sizeof(addr), "%s/%d", host, prefix_len(a->ifa_netmask));
		if (!(i->addresses[i->n_addresses] = hdup(inv, addr)))
			goto out_nomem;
		i->n_addresses++;
	}
	freeifaddrs(ifa);
	return 0;
out_nomem:
	freeifaddrs(ifa);
	return fp_diag_set(diag, FP_ENOMEM, 0, 0, "out of memory");
}
