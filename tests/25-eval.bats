#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The evaluation (bench/eval) as a test: every recorded livelock caught
# after its load started, before its stall onset (at worst 1 s after) and
# before any kernel OOM; no near-oom in a trace where nothing should be
# killed.  Sample streams are cached in tests/.traces/eval, keyed by the
# foom-sample binary (the normal build's when there is one: this suite
# is about foom-predict, which runs from the build under test).

load helper

setup_file() {
	local sample=$TOP/cmd/foom-sample
	[ -x "$sample" ] || sample=$FOOM_BIN/foom-sample
	[ -n "$(trace_names)" ] || return 0
	FOOM_SAMPLE=$sample FOOM_EVAL_WORK=$TESTS/.traces/eval \
		"$TOP/bench/eval" > "$BATS_FILE_TMPDIR/eval" 2> "$BATS_FILE_TMPDIR/eval.err"
	echo $? > "$BATS_FILE_TMPDIR/eval.status"
}

setup() {
	need_traces
	EVAL=$BATS_FILE_TMPDIR/eval
}

# row NAME: the eval's table row of a trace.
row() {
	awk -v n="$1" '$1 == n' "$EVAL"
}

@test "the evaluation runs on every trace" {
	cat "$BATS_FILE_TMPDIR/eval.err"
	[ "$(cat "$BATS_FILE_TMPDIR/eval.status")" -eq 0 ]
	for n in $(trace_names); do
		[ -n "$(row "$n")" ]
	done
}

@test "every livelock is caught after the load, before the stall and the kernel OOM" {
	local n r
	for n in $(trace_names); do
		r=$(row "$n")
		[ "$(echo "$r" | awk '{ print $2 }')" = kill ] || continue
		echo "$r"
		echo "$r" | awk '{
			onset = $3; koom = $4; load = $5; t = $6
			if (t == "-") exit 1
			if (t + 0 < load + 0) exit 1
			if (onset != "-" && t + 0 > onset + 1) exit 1
			if (koom != "-" && t + 0 >= koom + 0) exit 1
		}'
	done
}

@test "no near-oom where nothing should be killed, though the kubelet rule fires" {
	local n r
	for n in $(trace_names); do
		r=$(row "$n")
		[ "$(echo "$r" | awk '{ print $2 }')" = none ] || continue
		echo "$r"
		[ "$(echo "$r" | awk '{ print $6 }')" = - ]
	done
}

@test "the node scope of the same recordings stays clear of near-oom" {
	grep -q '^summary node .*: 0 trace' "$EVAL"
}

@test "the summary scores foom and the three rules" {
	cat "$EVAL"
	for m in foom earlyoom kubelet psi; do
		grep -q "^summary $m .*detected [0-9]*/[0-9]* .*false alarms [0-9]*/[0-9]*, median lead" "$EVAL"
	done
}
