#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# foom-predict on crafted sample streams (tests/fixtures/predict/*.in,
# one sample a second unless said), each against its exact verdicts.

load helper

P=$FIX/predict

setup() {
	OUT=$BATS_TEST_TMPDIR/out
	ERR=$BATS_TEST_TMPDIR/err
}

# levels: the value of level= in each verdict, one a line.
levels() {
	sed -n 's/^verdict .* level=\([a-z-]*\) .*/\1/p' "$@"
}

@test "every level is reached and left: ok, warn, near-oom, oom, held, ok" {
	foom-predict "$P/levels.in" > "$OUT"
	assert_golden "$P/levels.out" "$OUT"
	[ "$(levels "$OUT" | uniq | tr '\n' ' ')" = "ok warn near-oom oom warn ok " ]
}

@test "--changes prints a verdict only when the level changes" {
	foom-predict --changes "$P/levels.in" > "$OUT"
	assert_golden "$P/levels-changes.out" "$OUT"
	[ "$(wc -l < "$OUT")" -eq 6 ]
}

@test "hysteresis: evidence every other second does not flap the level" {
	foom-predict "$P/flap.in" > "$OUT"
	assert_golden "$P/flap.out" "$OUT"
	# near-oom from the first evidence until 10 s after the last (t=9).
	[ "$(levels "$OUT" | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')" = \
	  "warn:1 near-oom:18 warn:5 " ]
}

@test "--hold sets how long a level outlives its cause" {
	foom-predict --changes --hold 2 "$P/flap.in" > "$OUT"
	[ "$(levels "$OUT" | tr '\n' ' ')" = "warn near-oom warn " ]
	grep -q 'ts=1700000011.000 .*level=warn' "$OUT"
}

@test "a counter that goes back restarts the scope: no negative rate" {
	foom-predict "$P/reset.in" > "$OUT"
	assert_golden "$P/reset.out" "$OUT"
	grep 'ts=1700000004.000' "$OUT" | grep -q 'a counter went back'
	! grep -qE '_ps=-|_pct=-' "$OUT"
}

@test "v1 without PSI: refaults alone tell, no psi key is made up" {
	foom-predict "$P/nopsi.in" > "$OUT"
	assert_golden "$P/nopsi.out" "$OUT"
	! grep -q psi_ "$OUT"
	[ "$(levels "$OUT" | tr '\n' ' ')" = "warn warn near-oom near-oom near-oom " ]
}

@test "node scope: direct reclaim, free under the low watermark, stalls" {
	foom-predict "$P/node.in" > "$OUT"
	assert_golden "$P/node.out" "$OUT"
	grep 'ts=1700000003.000' "$OUT" | grep -q 'level=near-oom .*allocstall_ps=400'
}

@test "several scopes interleaved are judged apart; a pod keeps cgroup=" {
	foom-predict "$P/multi.in" > "$OUT"
	assert_golden "$P/multi.out" "$OUT"
	[ "$(grep -c 'scope=pod:default/web cgroup=/kubepods/burstable/pod1234 level=ok' "$OUT")" -eq 6 ]
	[ "$(grep 'scope=cgroup:/batch' "$OUT" | levels | tr '\n' ' ')" = \
	  "ok ok ok near-oom near-oom near-oom " ]
}

@test "page-cache thrash without anonymous memory is not near-oom" {
	foom-predict "$P/thrash.in" > "$OUT"
	assert_golden "$P/thrash.out" "$OUT"
	[ "$(levels "$OUT" | sort -u)" = ok ]
	tail -1 "$OUT" | grep -q 'a kill would not cure'
}

@test "--level moves the thresholds: low ok, medium warn, high near-oom" {
	for l in low medium high; do
		foom-predict --level "$l" "$P/sens.in" > "$OUT"
		assert_golden "$P/sens-$l.out" "$OUT"
	done
	[ "$(foom-predict --level high --refault 5 "$P/sens.in" | levels | tail -1)" = warn ]
}

@test "each threshold has its own option: --anon over the level" {
	foom-predict --anon 80 "$P/nopsi.in" > "$OUT"
	! grep -q near-oom "$OUT"
	foom-predict --level low --anon 70 "$P/nopsi.in" > "$OUT"
	grep -q near-oom "$OUT"
}

@test "--pass copies every record in order; other kinds are not judged" {
	foom-predict --pass "$P/pass.in" > "$OUT"
	assert_golden "$P/pass.out" "$OUT"
	foom-predict "$P/pass.in" > "$OUT"
	[ "$(wc -l < "$OUT")" -eq 2 ]
	! grep -q upstream "$OUT"
}

@test "bad lines: named on stderr, skipped, the rest judged, status 2" {
	run foom-predict "$P/bad.in"
	[ "$status" -eq 2 ]
	[[ "$output" == *"foom-predict: $P/bad.in:2: bad record: expected key=value at column 6"* ]]
	[[ "$output" == *"foom-predict: $P/bad.in:4: bad sample: sample without a ts= number"* ]]
	[[ "$output" == *"foom-predict: $P/bad.in:5: bad sample: 'anon_kb' is not a number of 0 or more"* ]]
	[ "$(printf '%s\n' "$output" | grep -c '^verdict ')" -eq 3 ]
}

@test "a repeated or older ts is skipped with a warning; a pause restarts rates" {
	foom-predict "$P/stale.in" > "$OUT" 2> "$ERR"
	grep -q "stale.in:3: cgroup:/app: ts 1700000001.000 is not after the last one" "$ERR"
	grep -q "stale.in:4: cgroup:/app: ts 1700000000.500 is not after the last one" "$ERR"
	[ "$(wc -l < "$OUT")" -eq 5 ]
	grep 'ts=1700000032.000' "$OUT" | grep -q 'rates restarted after a gap'
	! grep 'ts=1700000032.000' "$OUT" | grep -q refault_ps
	grep 'ts=1700000033.000' "$OUT" | grep -q 'refault_ps=0'
}

@test "a clock stepped back an hour restarts the rates, not an hour of skips" {
	# thrash at 1700000000..3, then the clock steps back 3599 s; the
	# sample at 1699996405 comes twice
	foom-predict "$P/clock.in" > "$OUT" 2> "$ERR"
	assert_golden "$P/clock.out" "$OUT"
	[ "$(grep -c '^verdict ' "$OUT")" -eq 7 ]
	grep 'ts=1699996404.000' "$OUT" | grep -q 'the clock went back 3599.000 s: rates restarted'
	# no rate spans the step; the next sample has one, and the level
	# held from before the step is kept
	! grep 'ts=1699996404.000' "$OUT" | grep -q refault_ps
	grep 'ts=1699996404.000' "$OUT" | grep -q 'level=near-oom'
	grep 'ts=1699996405.000' "$OUT" | grep -q 'refault_ps=4000 '
	! grep -qE '_ps=-|_pct=-' "$OUT"
	# the exact duplicate is still skipped
	[ "$(grep -c 'is not after the last one' "$ERR")" -eq 1 ]
	grep -q "clock.in:7: cgroup:/app: ts 1699996405.000 is not after the last one" "$ERR"
}

@test "--max-scopes bounds the table: a new scope past it is warned once" {
	foom-predict --max-scopes 1 "$P/multi.in" > "$OUT" 2> "$ERR"
	[ "$(grep -c 'more than 1 scopes at once' "$ERR")" -eq 1 ]
	[ "$(grep -c scope=cgroup:/batch "$OUT")" -eq 6 ]
	! grep -q scope=pod "$OUT"
}

@test "a stream: each verdict comes out as soon as its sample goes in" {
	coproc foom-predict
	pid=$COPROC_PID
	head -1 "$P/levels.in" >&"${COPROC[1]}"
	read -r -t 10 line <&"${COPROC[0]}"
	[[ "$line" == "verdict ts=1700000000.000 scope=cgroup:/app level=ok "* ]]
	sed -n 2p "$P/levels.in" >&"${COPROC[1]}"
	read -r -t 10 line <&"${COPROC[0]}"
	[[ "$line" == "verdict ts=1700000001.000 "* ]]
	exec {COPROC[1]}>&-
	wait "$pid"
}

@test "-o and -j write the same verdicts" {
	foom-predict -o ts,level,risk "$P/flap.in" > "$OUT"
	[ "$(sed -n 2p "$OUT")" = "$(printf '1700000001.000\tnear-oom\t1.00')" ]
	foom-predict -j "$P/nopsi.in" | sed -n 3p > "$OUT"
	grep -q '^{"record":"verdict","ts":1700000002.000,"scope":"cgroup:/app","level":"near-oom","risk":1.00,' "$OUT"
}

@test "status 0: every line judged" {
	run foom-predict "$P/levels.in"
	[ "$status" -eq 0 ]
}

@test "status 2: a bad option value" {
	run foom-predict --level extreme "$P/levels.in"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--level: 'extreme' is not low, medium or high"* ]]
	run foom-predict --anon 150 "$P/levels.in"
	[ "$status" -eq 2 ]
	[[ "$output" == *"'150' is not a percentage"* ]]
}

@test "status 3: a file that cannot be read" {
	run foom-predict "$BATS_TEST_TMPDIR/none.in"
	[ "$status" -eq 3 ]
	[[ "$output" == *"cannot open '$BATS_TEST_TMPDIR/none.in': No such file or directory"* ]]
}

@test "cache moving to the active list in a flat cgroup is no warning" {
	# usage and anonymous memory flat; inactive file pages activate, so
	# usage - inactive_file rises and avail_kb falls for 11 s
	foom-predict "$P/activate.in" > "$OUT"
	[ "$(levels "$OUT" | sort -u)" = ok ]
	# the trend is still reported
	grep -q ' eta_s=19.7 ' "$OUT"
}

@test "a process that allocated at once and holds, beside a filling cache, is not near-oom" {
	# anon jumps to 31% of the limit and stays; a use-once stream fills
	# the cache to 99%: the jump's steep average must not read as a fill
	foom-predict "$P/holdstream.in" > "$OUT"
	[ "$(levels "$OUT" | grep -c near-oom)" -eq 0 ]
	[ "$(levels "$OUT" | tail -1)" = warn ]
	# projected while it rises (the jump), not once it holds
	grep -q 'fill_eta_s=' "$OUT"
	! tail -n 30 "$OUT" | grep -q 'fill_eta_s='
}
