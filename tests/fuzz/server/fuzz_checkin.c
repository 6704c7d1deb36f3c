/* SPDX-License-Identifier: MIT */
/* fp_decode_checkin over arbitrary bytes, then what the server does next
 * with a decoded body: hash the packages and the updates. */
#include <stdint.h>
#include <string.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_decode_limits lim;
	struct fp_checkin c;
	struct fp_jerr jerr;
	char h[65];

	fp_decode_limits_default(&lim);
	lim.max_packages = 1000;
	if (fp_decode_checkin(data, size, &lim, &c, &jerr) == 0) {
		fp_wpkg_hash(c.pkgs, c.n_pkgs, h);
		if (c.state.have_updates)
			fp_wupd_hash(c.state.updates, c.state.n_updates, h);
		fp_checkin_release(&c);
	} else if (!memchr(jerr.msg, '\0', sizeof(jerr.msg)) ||
		   !memchr(jerr.path, '\0', sizeof(jerr.path))) {
		__builtin_trap(); /* error text must be terminated */
	}
	return 0;
}
