/* SPDX-License-Identifier: MIT */
/*
 * A bounded TZif (RFC 8536) reader and POSIX TZ rule evaluator, so window
 * logic never touches the process-global TZ / tzset() / localtime.
 */
#include <ctype.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/buf.h"
#include "fleetpatch/util.h"
#include "fleetpatch/window.h"
#include "rmath.h"

#define MAX_TRANSITIONS 4000
#define MAX_TYPES 256
#define MAX_CHARS 1024
#define MAX_OFFSET (26 * 3600)

struct tz_type {
	int32_t utoff;
	bool isdst;
};

/* One end of a DST rule: Jn, n or Mm.w.d, plus the local time of day. */
struct tz_rule_date {
	char kind; /* 'J', 'N' (zero-based day) or 'M' */
	int n, m, w, d;
	int32_t time; /* seconds after local midnight; may be <0 or > 24h */
};

struct tz_rule {
	bool present; /* footer had a usable rule */
	bool has_dst;
	int32_t std_off, dst_off; /* UTC offsets, seconds east */
	struct tz_rule_date start, end;
};

struct fp_tz {
	char name[FP_TZ_NAME_MAX + 1];
	size_t n_trans;
	int64_t *trans;
	unsigned char *idx;
	size_t n_types;
	struct tz_type types[MAX_TYPES];
	struct tz_rule rule;
};

int64_t fp_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* H. Hinnant's days_from_civil. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void fp_civil_from_days(int64_t z, int64_t *ret_y, unsigned *ret_m,
			unsigned *ret_d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	*ret_y = y + (m <= 2);
	*ret_m = m;
	*ret_d = d;
}

unsigned fp_weekday_from_days(int64_t z)
{
	/* 1970-01-01 was a Thursday (ISO 3 counting Monday as 0). */
	int64_t r = (z + 3) % 7;
	return (unsigned)(r < 0 ? r + 7 : r);
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* ---- POSIX TZ strings (the TZif footer) ---- */

static bool parse_num(const char **s, int lo, int hi, int *ret)
{
	int v = 0, digits = 0;

	while (isdigit((unsigned char)**s) && digits < 4) {
		v = v * 10 + (**s - '0');
		(*s)++;
		digits++;
	}
	if (!digits || v < lo || v > hi)
		return false;
	*ret = v;
	return true;
}

/* [+-]hh[:mm[:ss]] with hours up to 'maxh'. */
static bool parse_hms(const char **s, int maxh, int32_t *ret)
{
	int sign = 1, h, m = 0, sec = 0;

	if (**s == '+' || **s == '-')
		sign = *(*s)++ == '-' ? -1 : 1;
	if (!parse_num(s, 0, maxh, &h))
		return false;
	if (**s == ':') {
		(*s)++;
		if (!parse_num(s, 0, 59, &m))
			return false;
		if (**s == ':') {
			(*s)++;
			if (!parse_num(s, 0, 59, &sec))
				return false;
		}
	}
	*ret = sign * (h * 3600 + m * 60 + sec);
	return true;
}

static bool parse_tzname(const char **s)
{
	const char *p = *s;

	if (*p == '<') {
		p++;
		while (isalnum((unsigned char)*p) || *p == '+' || *p == '-')
			p++;
		if (*p != '>' || p - *s < 4)
			return false;
		*s = p + 1;
		return true;
	}
	while (isalpha((unsigned char)*p))
		p++;
	if (p - *s < 3)
		return false;
	*s = p;
	return true;
}

static bool parse_rule_date(const char **s, struct tz_rule_date *r)
{
	r->time = 7200;
	if (**s == 'J') {
		(*s)++;
		r->kind = 'J';
		if (!parse_num(s, 1, 365, &r->n))
			return false;
	} else if (**s == 'M') {
		(*s)++;
		r->kind = 'M';
		if (!parse_num(s, 1, 12, &r->m) || *(*s)++ != '.' ||
		    !parse_num(s, 1, 5, &r->w) || *(*s)++ != '.' ||
		    !parse_num(s, 0, 6, &r->d))
			return false;
	} else {
		r->kind = 'N';
		if (!parse_num(s, 0, 365, &r->n))
			return false;
	}
	if (**s == '/') {
		(*s)++;
		if (!parse_hms(s, 167, &r->time))
			return false;
	}
	return true;
}

static bool parse_posix_tz(const char *s, struct tz_rule *r)
{
	int32_t off;

	memset(r, 0, sizeof(*r));
	if (!*s)
		return true; /* empty footer: no rule */
	if (!parse_tzname(&s) || !parse_hms(&s, 24, &off))
		return false;
	r->std_off = -off; /* POSIX offsets count west */
	r->dst_off = r->std_off + 3600;
	if (*s) {
		r->has_dst = true;
		if (!parse_tzname(&s))
			return false;
		if (*s && *s != ',') {
			if (!parse_hms(&s, 24, &off))
				return false;
			r->dst_off = -off;
		}
		if (*s == ',') {
			s++;
			if (!parse_rule_date(&s, &r->start) || *s++ != ',' ||
			    !parse_rule_date(&s, &r->end))
				return false;
		} else {
			/* POSIX default: US rules. */
			r->start = (struct tz_rule_date){ 'M', 0, 3, 2, 0, 7200 };
			r->end = (struct tz_rule_date){ 'M', 0, 11, 1, 0, 7200 };
		}
	}
	if (*s)
		return false;
	r->present = true;
	return true;
}

/* Local seconds since the epoch at which a rule date happens in year y. */
static int64_t rule_local(const struct tz_rule_date *r, int64_t y)
{
	int64_t day;

	if (r->kind == 'J') {
		day = fp_days_from_civil(y, 1, 1) + r->n - 1;
		if (is_leap(y) && r->n >= 60)
			day++;
	} else if (r->kind == 'N') {
		day = fp_days_from_civil(y, 1, 1) + r->n;
	} else {
		static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30,
						  31, 31, 30, 31, 30, 31 };
		int64_t first = fp_days_from_civil(y, (unsigned)r->m, 1);
		/* Sunday = 0 in POSIX; our weekday has Monday = 0. */
		unsigned wd = (fp_weekday_from_days(first) + 1) % 7;
		unsigned dim = mdays[r->m - 1] + (r->m == 2 && is_leap(y));
		unsigned mday = 1 + ((unsigned)r->d + 7 - wd) % 7;
		mday += 7 * (unsigned)(r->w - 1);
		while (mday > dim)
			mday -= 7;
		day = first + mday - 1;
	}
	return day * 86400 + r->time;
}

static int32_t rule_offset(const struct tz_rule *r, int64_t t, bool *isdst)
{
	int64_t y, start, end;
	unsigned m, d;

	*isdst = false;
	if (!r->has_dst)
		return r->std_off;
	fp_civil_from_days(fp__floor_div(t + r->std_off, 86400), &y, &m, &d);
	/* DST starts at a standard-time wall clock, ends at a DST one. */
	start = rule_local(&r->start, y) - r->std_off;
	end = rule_local(&r->end, y) - r->dst_off;
	if (start < end)
		*isdst = t >= start && t < end;
	else
		*isdst = !(t >= end && t < start);
	return *isdst ? r->dst_off : r->std_off;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_hdr {
	char version;
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int read_header(const unsigned char *p, size_t left,
		       struct tzif_hdr *h, struct fp_diag *d)
{
	if (left < 44 || memcmp(p, "TZif", 4) != 0)
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "not a TZif file (bad magic)");
	h->version = (char)p[4];
	if (h->version != 0 && (h->version < '2' || h->version > '4'))
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "unknown TZif version");
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (h->timecnt > MAX_TRANSITIONS || h->typecnt == 0 ||
	    h->typecnt > MAX_TYPES || h->charcnt == 0 ||
	    h->charcnt > MAX_CHARS || h->leapcnt > 1000 ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "TZif counts out of range");
	return 0;
}

static size_t block_size(const struct tzif_hdr *h, size_t tsize)
{
	return (size_t)h->timecnt * tsize + h->timecnt + h->typecnt * 6 +
	       h->charcnt + (size_t)h->leapcnt * (tsize + 4) + h->isstdcnt +
	       h->isutcnt;
}

static int read_block(const unsigned char *p, const struct tzif_hdr *h,
		      size_t tsize, struct fp_tz *tz, struct fp_diag *d)
{
	const unsigned char *ip = p + (size_t)h->timecnt * tsize;
	const unsigned char *tp = ip + h->timecnt;

	if (h->leapcnt)
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "leap-second zones (right/...) are not supported");
	tz->n_trans = h->timecnt;
	if (h->timecnt) {
		tz->trans = fp_calloc(h->timecnt, sizeof(*tz->trans));
		tz->idx = fp_malloc(h->timecnt);
		if (!tz->trans || !tz->idx)
			return FP_ENOMEM;
	}
	for (size_t i = 0; i < h->timecnt; i++) {
		tz->trans[i] = tsize == 8 ? be64(p + i * 8)
					  : (int32_t)be32(p + i * 4);
		if (i && tz->trans[i] <= tz->trans[i - 1])
			return fp_diag_set(d, FP_EINVAL, 0, 0,
					   "transition times not ascending");
		tz->idx[i] = ip[i];
		if (ip[i] >= h->typecnt)
			return fp_diag_set(d, FP_EINVAL, 0, 0,
					   "transition type index out of range");
	}
	tz->n_types = h->typecnt;
	for (size_t i = 0; i < h->typecnt; i++) {
		int32_t off = (int32_t)be32(tp + i * 6);
		if (off < -MAX_OFFSET || off > MAX_OFFSET || tp[i * 6 + 4] > 1 ||
		    tp[i * 6 + 5] >= h->charcnt)
			return fp_diag_set(d, FP_EINVAL, 0, 0,
					   "local time type %zu invalid", i);
		tz->types[i].utoff = off;
		tz->types[i].isdst = tp[i * 6 + 4];
	}
	return 0;
}

void fp_tz_free(struct fp_tz *tz)
{
	if (!tz)
		return;
	fp_free(tz->trans);
	fp_free(tz->idx);
	fp_free(tz);
}

const char *fp_tz_name(const struct fp_tz *tz)
{
	return tz ? tz->name : "UTC";
}

int fp_tz_parse(const void *data, size_t len, const char *name,
		struct fp_diag *d, struct fp_tz **ret_tz)
{
	const unsigned char *p = data;
	struct tzif_hdr h;
	struct fp_tz *tz;
	size_t tsize = 4, pos = 0;
	int rc;

	if (len > FP_TZ_MAX_FILE)
		return fp_diag_set(d, FP_ETOOBIG, 0, 0, "TZif file too large");
	rc = read_header(p, len, &h, d);
	if (rc)
		return rc;
	if (h.version >= '2') {
		/* Skip the 32-bit block; the 64-bit one follows. */
		pos = 44 + block_size(&h, 4);
		if (pos > len)
			return fp_diag_set(d, FP_EINVAL, 0, 0,
					   "TZif file truncated");
		rc = read_header(p + pos, len - pos, &h, d);
		if (rc)
			return rc;
		tsize = 8;
	}
	pos += 44;
	if (block_size(&h, tsize) > len - pos)
		return fp_diag_set(d, FP_EINVAL, 0, 0, "TZif file truncated");
	tz = fp_calloc(1, sizeof(*tz));
	if (!tz)
		return FP_ENOMEM;
	if (name)
		snprintf(tz->name, sizeof(tz->name), "%s", name);
	rc = read_block(p + pos, &h, tsize, tz, d);
	if (rc)
		goto fail;
	pos += block_size(&h, tsize);
	if (tsize == 8 && pos < len) {
		char footer[128];
		const unsigned char *nl;
		size_t flen;

		if (p[pos] != '\n' ||
		    !(nl = memchr(p + pos + 1, '\n', len - pos - 1)) ||
		    (flen = (size_t)(nl - (p + pos + 1))) >= sizeof(footer)) {
			rc = fp_diag_set(d, FP_EINVAL, 0, 0,
					 "TZif footer malformed");
			goto fail;
		}
		memcpy(footer, p + pos + 1, flen);
		footer[flen] = '\0';
		if (memchr(footer, '\0', flen) || !parse_posix_tz(footer, &tz->rule)) {
			rc = fp_diag_set(d, FP_EINVAL, 0, 0,
					 "TZif footer rule \"%.60s\" not understood",
					 footer);
			goto fail;
		}
	}
	*ret_tz = tz;
	return 0;
fail:
	fp_tz_free(tz);
	return rc;
}

static bool zone_name_ok(const char *name)
{
	size_t len = strlen(name), comp = 0;

	if (len == 0 || len > FP_TZ_NAME_MAX || name[0] == '/')
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = name[i];
		if (c == '/' || c == '\0') {
			if (comp == 0 || name[i - comp] == '.' ||
			    name[i - comp] == '-')
				return false;
			comp = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '_' && c != '+' &&
		    c != '-' && c != '.')
			return false;
		comp++;
	}
	return true;
}

int fp_tz_load(const char *dir, const char *name, struct fp_diag *d,
	       struct fp_tz **ret_tz)
{
	char path[512];
	struct fp_buf b;
	int rc;

	if (!name || !zone_name_ok(name))
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "invalid time zone name \"%.64s\"",
				   name ? name : "");
	if (fp_path_join(path, sizeof(path),
			 dir ? dir : "/usr/share/zoneinfo", name))
		return fp_diag_set(d, FP_EINVAL, 0, 0, "time zone path too long");
	fp_buf_init(&b, FP_TZ_MAX_FILE);
	rc = fp_read_file(path, &b);
	if (rc == FP_ENOENT || rc == FP_EIO) {
		if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
			struct fp_tz *tz = fp_calloc(1, sizeof(*tz));
			fp_buf_release(&b);
			if (!tz)
				return FP_ENOMEM;
			snprintf(tz->name, sizeof(tz->name), "%s", name);
			tz->n_types = 1;
			*ret_tz = tz;
			return 0;
		}
		rc = fp_diag_set(d, FP_ENOENT, 0, 0, "unknown time zone \"%s\"",
				 name);
	} else if (rc == FP_ETOOBIG) {
		fp_diag_set(d, rc, 0, 0, "time zone file %s too large", path);
	} else if (rc == 0) {
		rc = fp_tz_parse(b.data, b.len, name, d, ret_tz);
	}
	fp_buf_release(&b);
	return rc;
}

int32_t fp_tz_offset(const struct fp_tz *tz, int64_t t, bool *ret_isdst)
{
	const struct tz_type *ty;
	bool dst = false;
	int32_t off;
	size_t lo, hi;

	if (!tz) {
		off = 0;
	} else if (tz->rule.present &&
		   (tz->n_trans == 0 || t >= tz->trans[tz->n_trans - 1])) {
		off = rule_offset(&tz->rule, t, &dst);
	} else if (tz->n_trans == 0 || t < tz->trans[0]) {
		ty = &tz->types[0];
		off = ty->utoff;
		dst = ty->isdst;
	} else {
		/* Last transition <= t. */
		lo = 0;
		hi = tz->n_trans;
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			if (tz->trans[mid] <= t)
				lo = mid;
			else
				hi = mid;
		}
		ty = &tz->types[tz->idx[lo]];
		off = ty->utoff;
		dst = ty->isdst;
	}
	if (ret_isdst)
		*ret_isdst = dst;
	return off;
}

int fp_tz_local_to_utc(const struct fp_tz *tz, int64_t local,
		       int64_t *ret_utc)
{
	int64_t t1 = local - fp_tz_offset(tz, local - 86400, NULL);
	int64_t t2 = local - fp_tz_offset(tz, local + 86400, NULL);
	bool ok1 = t1 + fp_tz_offset(tz, t1, NULL) == local;
	bool ok2 = t2 + fp_tz_offset(tz, t2, NULL) == local;
	int64_t lo, hi;

	if (ok1 && ok2) {
		*ret_utc = t1 < t2 ? t1 : t2;
		return t1 == t2 ? FP_TZ_EXACT : FP_TZ_AMBIGUOUS;
	}
	if (ok1 || ok2) {
		*ret_utc = ok1 ? t1 : t2;
		return FP_TZ_EXACT;
	}
	/* In a gap: the first instant whose wall clock reaches 'local'. */
	lo = t1 < t2 ? t1 : t2;
	hi = t1 < t2 ? t2 : t1;
	if (hi + fp_tz_offset(tz, hi, NULL) < local) {
		*ret_utc = hi; /* cannot happen with sane data */
		return FP_TZ_GAP;
	}
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (mid + fp_tz_offset(tz, mid, NULL) >= local)
			hi = mid;
		else
			lo = mid + 1;
	}
	*ret_utc = lo;
	return FP_TZ_GAP;
}
