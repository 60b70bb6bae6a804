#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# foom-top: the stream as a live view, one line per scope, redrawn;
# nothing from the stream reaches the terminal as a control byte.

load helper

ST=$FIX/plot/stream.rec

@test "top: one line per scope, worst level first, with the victim and the last kill" {
	{
		cat "$ST"
		recio -w verdict ts=1700000002 scope=cgroup:/quiet level=ok fresh=ok risk=0.00 avail_pct=60.0
		recio -w victim ts=1700000001.05 scope=cgroup:/app pid=4242 comm=hog rss_kb=800000
	} > "$BATS_TEST_TMPDIR/in"
	run foom-top -w 200 < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	printf '%s\n' "${lines[@]}"
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} == "SCOPE "*"LEVEL"*"FRESH"*"RISK"*"ETA_S"*"AVAIL"*"VICTIM"*"LAST KILL" ]]
	# near-oom above ok; the refused kill is the last kill record, its age
	# counted to the newest record of the stream (7.2 s)
	[[ ${lines[1]} == "cgroup:/app "*" near-oom "*" hog 4242 "*"other 4243 protected (6 s ago)" ]]
	[[ ${lines[2]} == "cgroup:/quiet "*" ok "*" ok "*" 0.00 "*" 60.0% "* ]]
	# not a terminal: no escape sequence at all
	! grep -q $'\e' <<< "$output"
}

@test "top: on a terminal each screen starts by clearing it (script(1))" {
	command -v script > /dev/null || skip "no script(1) (util-linux)"
	script -qec "foom-top -w 120 < '$ST'" /dev/null > "$BATS_TEST_TMPDIR/tty"
	grep -q $'\e\\[H\e\\[2J' "$BATS_TEST_TMPDIR/tty"
	grep -q 'cgroup:/app' "$BATS_TEST_TMPDIR/tty"
}

@test "top: a hostile comm or scope cannot write to the terminal" {
	local evil=$'\e]0;pwned\a\e[2J\rX'
	{
		recio -w verdict ts=1 scope="cgroup:/a$evil" level=near-oom fresh=near-oom risk=1.00
		recio -w kill ts=2 scope="cgroup:/a$evil" pid=7 comm="$evil" result=killed
		recio -w victim ts=2 scope="cgroup:/a$evil" pid=7 comm="$evil"
	} > "$BATS_TEST_TMPDIR/in"
	script -qec "foom-top -w 200 < '$BATS_TEST_TMPDIR/in'" /dev/null > "$BATS_TEST_TMPDIR/tty"
	cat -v "$BATS_TEST_TMPDIR/tty"
	# the one escape sequence is foom-top's own clear
	[ "$(grep -o $'\e' "$BATS_TEST_TMPDIR/tty" | wc -l)" -eq 2 ]
	! grep -q $'\a' "$BATS_TEST_TMPDIR/tty"
	grep -q 'cgroup:/a?\]0;pwned??\[2J?X' "$BATS_TEST_TMPDIR/tty"
	# a long scope is cut to one line
	recio -w verdict ts=1 scope="cgroup:/$(printf 'x%.0s' $(seq 1 3000))" level=ok > "$BATS_TEST_TMPDIR/long"
	[ "$(foom-top < "$BATS_TEST_TMPDIR/long" | sed -n 2p | wc -c)" -le 200 ]
}

@test "top: -n draws that many screens while the stream stays open" {
	(cat "$ST"; sleep 30) | foom-top -i 0.05 -n 3 > "$BATS_TEST_TMPDIR/out" &
	local p=$!
	wait "$p"
	[ "$(grep -c '^SCOPE ' "$BATS_TEST_TMPDIR/out")" -eq 3 ]
}

@test "top: bad input: a clear message, a documented status" {
	run foom-top "$ST"
	[ "$status" -eq 2 ]
	[[ $output == *"reads standard input only, not '$ST'"* ]]
	run foom-top -i 0 < "$ST"
	[ "$status" -eq 2 ]
	[[ $output == *"--interval: '0'"* ]]
	printf 'verdict ts=1 scope=a level=ok\nthis is = "broken\n' | { run foom-top; echo "$output" > "$BATS_TEST_TMPDIR/o"; echo "$status" > "$BATS_TEST_TMPDIR/s"; }
	[ "$(cat "$BATS_TEST_TMPDIR/s")" -eq 2 ]
	grep -q -- '-:2: bad record' "$BATS_TEST_TMPDIR/o"
	grep -q '^a ' "$BATS_TEST_TMPDIR/o"
}
