#!/bin/sh
# What was correct but wrong for the user (issue 21): one address parser
# for options and CPIM, one time grammar with leap seconds, quoted and cut
# echoes of user input, and the smaller surprises.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
ALICE=sip:alice@example.com

test_expect_success 'setup' '
	imstore init >/dev/null
'

test_expect_success 'an error quotes the input it echoes: control characters escaped' '
	test_expect_code 2 imstore list "$(printf "from:\033[31mx(")" 2>err &&
	! grep "$(printf "\033")" err &&
	grep "\\\\e\[31m" err &&
	test_must_fail put_msg $BOB "$(printf "a\033b")" a4 2>err &&
	! grep "$(printf "\033")" err
'

test_expect_success 'an error cuts an overlong input and says how long it was' '
	long=$(printf "%0100000d" 0) &&
	test_expect_code 2 imstore list "$long" 2>err &&
	test_line_count = 1 err &&
	test $(wc -c <err) -lt 400 &&
	grep "(100000 bytes)" err
'

test_done
