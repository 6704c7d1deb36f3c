/* SPDX-License-Identifier: MIT */
/* What agent/notify.c lets reach a desktop or a terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "notify.h"

static char got[8192];

static const char *clean(const char *in, size_t max, bool crlf)
{
	struct fp_buf b;

	fp_buf_init(&b, 1 << 20);
	assert_int_equal(agent_notify_clean_text(in, max, crlf, &b), 0);
	assert_true(b.len < sizeof(got));
	memcpy(got, b.data, b.len + 1);
	fp_buf_release(&b);
	return got;
}

static void test_plain_text_unchanged(void **state)
{
	(void)state;
	assert_string_equal(clean("Updates for fpdemo 1.3 (job 7).", 100, false),
			    "Updates for fpdemo 1.3 (job 7).");
	assert_string_equal(clean("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6", 100, false),
			    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6");
	assert_string_equal(clean(NULL, 10, false), "");
}

static void test_controls_replaced(void **state)
{
	(void)state;
	/* a terminal escape, a bell, DEL, a C1 CSI: none reaches a tty */
	assert_string_equal(clean("a\x1b[31mb\x07" "c\x7f" "d\xc2\x9b" "1m", 100, true),
			    "a?[31mb?c?d?1m");
	assert_string_equal(clean("a\tb\rc", 100, false), "a b?c");
}

static void test_newlines(void **state)
{
	(void)state;
	assert_string_equal(clean("one\ntwo", 100, false), "one\ntwo");
	assert_string_equal(clean("one\ntwo", 100, true), "one\r\ntwo");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	assert_string_equal(clean("x\xc3(y", 100, false), "x?(y");       /* cut sequence */
	assert_string_equal(clean("\xc0\xaf", 100, false), "??");        /* overlong '/' */
	assert_string_equal(clean("\xed\xa0\x80", 100, false), "???");   /* surrogate */
	assert_string_equal(clean("\xf4\x90\x80\x80", 100, false), "????"); /* > U+10FFFF */
	assert_string_equal(clean("\xff\xfe", 100, false), "??");
	assert_string_equal(clean("end\xe2\x82", 100, false), "end??");   /* truncated */
}

static void test_bounded(void **state)
{
	char *big = malloc(1 << 20);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	clean(big, NOTIFY_BODY_MAX, false);
	assert_int_equal(strlen(got), NOTIFY_BODY_MAX + 3);
	assert_string_equal(got + NOTIFY_BODY_MAX, "...");
	free(big);
	/* never inside a character: 'a' + 2-byte e-acute does not fit in 2 */
	assert_string_equal(clean("a\xc3\xa9", 2, false), "a...");
	assert_string_equal(clean("a\xc3\xa9", 3, false), "a\xc3\xa9");
	/* "\r\n" counts as two */
	assert_string_equal(clean("ab\ncd", 3, true), "ab...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_unchanged),
		cmocka_unit_test(test_controls_replaced),
		cmocka_unit_test(test_newlines),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
