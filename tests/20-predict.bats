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

# verdicts FILE: "ts level fresh evidence_ts" of each verdict, one a line.
verdicts() {
	awk '$1 == "verdict" {
		split("", v)
		for (i = 2; i <= NF; i++)
			if ((n = index($i, "=")) && !((k = substr($i, 1, n - 1)) in v))
				v[k] = substr($i, n + 1)
		print v["ts"], v["level"], v["fresh"], v["evidence_ts"]
	}' "$@"
}

@test "a kill gives the memory back: fresh falls within its window, level stays held" {
	# a 790 MiB hog squeezes the cache; at 3 s it is killed (anonymous
	# memory 1%, no more limit hits), the reader refaults for a second
	foom-predict "$P/kill.in" > "$OUT"
	verdicts "$OUT" > "$BATS_TEST_TMPDIR/v"
	cat "$BATS_TEST_TMPDIR/v"
	# before the kill: near-oom on fresh evidence too
	awk '$1 >= 1700000000.25 && $1 < 1700000003 && $3 != "near-oom" { exit 1 }' "$BATS_TEST_TMPDIR/v"
	# one fresh window after it: the shown level is held, fresh is ok,
	# and the evidence is all from after the kill
	awk '$1 >= 1700000004 && ($2 != "near-oom" || $3 != "ok" || $4 < 1700000003) { exit 1 }
	     END { if (NR != 29) exit 1 }' "$BATS_TEST_TMPDIR/v"
	# the words: held, and what the scope shows now (not the 78% peak)
	grep 'ts=1700000005.000 ' "$OUT" |
		grep -q 'reason="held: near-oom .*; fresh evidence (last 1 s): ok, fits: 23% of the limit in use"'
	! grep 'ts=1700000005.000 ' "$OUT" | grep -q 'holds 78%'
	# a peak over the longer windows is called a peak, with the share now
	grep 'ts=1700000004.250 ' "$OUT" | grep -q 'reached 78% of the limit in the last 5 s (1% now)'
}

@test "a kill that frees too little: fresh stays near-oom on evidence from after it" {
	# a 10 MiB sidecar is killed at 3 s; the hog and the squeeze remain
	foom-predict "$P/persist.in" > "$OUT"
	verdicts "$OUT" > "$BATS_TEST_TMPDIR/v"
	cat "$BATS_TEST_TMPDIR/v"
	awk '$1 >= 1700000004 && ($3 != "near-oom" || $4 < 1700000003) { exit 1 }
	     $1 >= 1700000004.25 && $4 <= 1700000003 { exit 1 }
	     END { if (NR != 29) exit 1 }' "$BATS_TEST_TMPDIR/v"
}

@test "fresh rests on no point older than evidence_ts" {
	# the same samples from 3 s on, after a quiet scope instead of a
	# squeeze: every verdict whose evidence starts at 3 s or later must
	# read the same
	foom-predict "$P/persist.in" | verdicts > "$BATS_TEST_TMPDIR/a"
	foom-predict "$P/persist-quiet.in" | verdicts > "$BATS_TEST_TMPDIR/b"
	awk '$4 >= 1700000003 { print $1, $3, $4 }' "$BATS_TEST_TMPDIR/a" > "$BATS_TEST_TMPDIR/a3"
	awk '$4 >= 1700000003 { print $1, $3, $4 }' "$BATS_TEST_TMPDIR/b" > "$BATS_TEST_TMPDIR/b3"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/a3")" -eq 13 ]
	diff "$BATS_TEST_TMPDIR/a3" "$BATS_TEST_TMPDIR/b3"
	# before that, they differ: the quiet past is not near-oom
	[ "$(awk '$1 == 1700000002.750 { print $3 }' "$BATS_TEST_TMPDIR/a")" = near-oom ]
	[ "$(awk '$1 == 1700000002.750 { print $3 }' "$BATS_TEST_TMPDIR/b")" = ok ]
}

@test "--fresh-window sets how far back fresh evidence reaches" {
	foom-predict --fresh-window 2 "$P/kill.in" | verdicts > "$BATS_TEST_TMPDIR/v"
	[ "$(awk '$1 == 1700000006.000 { print $4 }' "$BATS_TEST_TMPDIR/v")" = 1700000004.000 ]
	# the limit hits before the kill still count 1.5 s after it
	[ "$(awk '$1 == 1700000004.500 { print $3 }' "$BATS_TEST_TMPDIR/v")" = near-oom ]
	[ "$(awk '$1 == 1700000005.000 { print $3 }' "$BATS_TEST_TMPDIR/v")" = ok ]
}

@test "every level is reached and left: ok, warn, near-oom, oom, held, ok" {
	foom-predict "$P/levels.in" > "$OUT"
	assert_golden "$P/levels.out" "$OUT"
	[ "$(levels "$OUT" | uniq | tr '\n' ' ')" = "ok warn near-oom oom warn ok " ]
}

@test "--changes prints a verdict only when level or fresh changes" {
	foom-predict --changes "$P/levels.in" > "$OUT"
	assert_golden "$P/levels-changes.out" "$OUT"
	# six changes of level, and fresh falling from oom to ok while the
	# level is held
	[ "$(wc -l < "$OUT")" -eq 7 ]
	grep -q 'ts=1700000012.000 .* level=oom fresh=ok ' "$OUT"
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
	[ "$(levels "$OUT" | uniq | tr '\n' ' ')" = "warn near-oom warn " ]
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

@test "--level moves the thresholds: low near-oom, medium warn, high ok" {
	# low acts earliest, high latest (FastOOM's memory-usage level)
	for l in low medium high; do
		foom-predict --level "$l" "$P/sens.in" > "$OUT"
		assert_golden "$P/sens-$l.out" "$OUT"
	done
	[ "$(levels "$P/sens-low.out" | tail -1)" = near-oom ]
	[ "$(levels "$P/sens-medium.out" | tail -1)" = warn ]
	[ "$(levels "$P/sens-high.out" | tail -1)" = ok ]
	[ "$(foom-predict --level low --refault 5 "$P/sens.in" | levels | tail -1)" = warn ]
}

@test "--help and the man page give the same defaults of every level" {
	local opt name help man
	foom-predict --help | tr -s ' \n' '  ' > "$BATS_TEST_TMPDIR/help"
	for opt in anon bind refault io mem fill warn-eta; do
		help=$(grep -o -- "--$opt=[A-Z]* [^(]*([0-9.]*; low [0-9.]*, high [0-9.]*)" "$BATS_TEST_TMPDIR/help" |
			sed 's/.*(\([0-9.]*\); low \([0-9.]*\), high \([0-9.]*\))/\1 \2 \3/')
		name=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
		man=$(awk -v b=".BI \\\\-\\\\-$name= " '
			found { print; exit }
			index($0, b) == 1 { found = 1 }' "$TOP/man/foom-predict.1" |
			sed -n 's/^\([0-9.]*\) (low \([0-9.]*\), high \([0-9.]*\)).*/\1 \2 \3/p')
		echo "--$opt: help '$help', man '$man'"
		[ -n "$help" ]
		[ "$help" = "$man" ]
	done
	# low acts earliest: the smaller share, the longer horizon
	[[ "$(cat "$BATS_TEST_TMPDIR/help")" == *"(30; low 15, high 50)"* ]]
	[[ "$(cat "$BATS_TEST_TMPDIR/help")" == *"(5; low 10, high 2.5)"* ]]
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
	grep -q '^{"record":"verdict","ts":1700000002.000,"scope":"cgroup:/app","level":"near-oom","fresh":"near-oom","evidence_ts":1700000001.000,"risk":1.00,' "$OUT"
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

@test "node scope: kswapd reclaim alone binds the node; MemAvailable over --node-avail is no near-oom" {
	# allocstall and pgscan_direct stay at 0, free memory sits between
	# the watermarks, the cache left is read back at 3.9%/s
	foom-predict "$P/node-kswapd.in" > "$OUT"
	assert_golden "$P/node-kswapd.out" "$OUT"
	[ "$(levels "$OUT" | tr '\n' ' ')" = "warn near-oom near-oom near-oom near-oom near-oom " ]
	# the same reclaim and stall with half the node available: a stream
	foom-predict "$P/node-stream.in" > "$OUT"
	assert_golden "$P/node-stream.out" "$OUT"
	! grep -q 'level=near-oom' "$OUT"
	grep -q 'reason="the page cache thrashes with MemAvailable at 52% of the node' "$OUT"
	# the gate is what spares it
	foom-predict --node-avail 100 "$P/node-stream.in" | grep -q 'fresh=near-oom'
}

@test "a cgroup: anonymous memory about to reach the active cache is near-oom before the limit is all anonymous" {
	# v1, no PSI, no refault yet: the limit binds (failcnt), anonymous
	# memory rises 24 MiB/s toward 170 MiB of active cache
	foom-predict "$P/active.in" > "$OUT"
	assert_golden "$P/active.out" "$OUT"
	# 5 s from the active cache (2.8 s before it would reach it, 10 s
	# before the limit would be all anonymous)
	[ "$(grep -m1 'fresh=near-oom' "$OUT" | grep -o 'ts=[0-9.]*' | head -1)" = ts=1700000004.000 ]
	grep -q 'fill_eta_s=4.5' "$OUT"
}

# idle_stream: a quiet cgroup at 0.1 s ticks for 2 s, then ticks 1.0005 s
# apart that carry tick_s=1.000 (foom-sample's idle tick), the refault
# counter rising 10 a second throughout; then one 3.5 s late.
idle_stream() {
	awk 'function s(t, extra) {
		printf "sample ts=%.4f scope=cgroup:/app memcg=v1 limit_kb=1048576 usage_kb=204800 working_set_kb=153600 avail_kb=894976 anon_kb=102400 file_kb=102400 failcnt=0 active_file_kb=51200 inactive_file_kb=51200 workingset_refault_file=%d pgmajfault=0 under_oom=0 oom_kill=0%s\n", 1700000000 + t, 10 * t, extra
	}
	BEGIN {
		for (i = 0; i <= 20; i++) s(i / 10, "")
		for (t = 2; i < 28; i++) s(t += 1.0005, " tick_s=1.000")
		s(t + 3.5, " tick_s=1.000")
	}'
}

@test "a wait the sampler announced (tick_s=) is no gap: rates span it; a delay past it is one" {
	idle_stream > "$BATS_TEST_TMPDIR/in"
	foom-predict "$BATS_TEST_TMPDIR/in" > "$OUT" 2> "$ERR"
	[ ! -s "$ERR" ]
	[ "$(grep -c '^verdict ' "$OUT")" -eq 29 ]
	# the idle ticks: a rate over the whole wait, no restart
	sed -n '22,28p' "$OUT" > "$BATS_TEST_TMPDIR/idle"
	! grep -q 'restarted' "$BATS_TEST_TMPDIR/idle"
	[ "$(grep -c ' refault_ps=10 ' "$BATS_TEST_TMPDIR/idle")" -eq 7 ]
	grep -q ' level=ok ' "$BATS_TEST_TMPDIR/idle"
	# 3.5 s after the last, announced as 1 s: a pause all the same
	sed -n '29p' "$OUT" | grep -q 'rates restarted after a gap'
	# without the key the same waits are gaps (the old reading)
	sed 's/ tick_s=1.000//' "$BATS_TEST_TMPDIR/in" | foom-predict > "$BATS_TEST_TMPDIR/plain"
	sed -n '22p' "$BATS_TEST_TMPDIR/plain" | grep -q 'rates restarted after a gap'
}

@test "tick_s= that is not a number of 0 or more is a bad sample" {
	printf '%s\n' 'sample ts=1700000000.000 scope=cgroup:/app memcg=v1 limit_kb=1048576 usage_kb=204800 tick_s=-1' \
		'sample ts=1700000001.000 scope=cgroup:/app memcg=v1 limit_kb=1048576 usage_kb=204800 tick_s=x' \
		'sample ts=1700000002.000 scope=cgroup:/app memcg=v1 limit_kb=1048576 usage_kb=204800 tick_s=0.5' > "$BATS_TEST_TMPDIR/in"
	run foom-predict "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
	[ "$(printf '%s\n' "$output" | grep -c "bad sample: 'tick_s' is not a number of 0 or more")" -eq 2 ]
	[ "$(printf '%s\n' "$output" | grep -c '^verdict ')" -eq 1 ]
}
