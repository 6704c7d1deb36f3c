/* SPDX-License-Identifier: MIT */
/*
 * Fuzz agent_notify_clean_text: any bytes in, and what comes out must be
 * valid UTF-8 without control characters (but CR/LF where asked), within
 * the bound plus "...".  Input: first byte = flags (bit 0: crlf), second
 * = the bound, the rest = the text (cut at the first NUL).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

/* Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp, min;
		size_t len;

		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0)
			len = 2, cp = s[i] & 0x1f, min = 0x80;
		else if ((s[i] & 0xf0) == 0xe0)
			len = 3, cp = s[i] & 0x0f, min = 0x800;
		else if ((s[i] & 0xf8) == 0xf0)
			len = 4, cp = s[i] & 0x07, min = 0x10000;
		else
			return false;
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp < 0xa0))
			return false;
		i += len;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_buf out;
	char *text;
	size_t max, lines = 0;
	bool crlf;

	if (size < 2 || size > 1 << 16)
		return 0;
	crlf = data[0] & 1;
	max = data[1] * 8u;
	text = malloc(size - 1);
	if (!text)
		return 0;
	memcpy(text, data + 2, size - 2);
	text[size - 2] = '\0';
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	fp_buf_init(&out, 4 * max + 3 * lines + 16);
	if (agent_notify_clean_text(text, max, crlf, &out) == 0) {
		const unsigned char *s = (const unsigned char *)out.data;
		for (size_t i = 0; i < out.len; i++) {
			if ((s[i] < 0x20 && s[i] != '\n' && s[i] != '\r') ||
			    s[i] == 0x7f)
				abort();
			if (s[i] == '\r' && !(crlf && i + 1 < out.len && s[i + 1] == '\n'))
				abort();
		}
		if (out.len > max + 3 || !utf8_valid(s, out.len))
			abort();
	}
	fp_buf_release(&out);
	free(text);
	return 0;
}
