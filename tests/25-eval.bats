#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The evaluation (bench/eval) as a test: at the default level, every
# recorded livelock caught on fresh evidence (what triggers a kill) after
# its load started, before its stall onset (at worst 1 s after) and
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

# row LEVEL NAME: the row of a trace in the eval's table of a level.
# Fields: 1 trace, 2 expect, 3 onset, 4 kernel OOM, 5 load start,
# 6 first fresh near-oom, 7 its lead, 8 first level near-oom, 9 load
# end, 10 fresh clear after it, 11 level clear after it, then the rules.
row() {
	awk -v l="$1" -v n="$2" '
		NF == 0 || $1 == "order" { in_l = 0 }
		$1 == "level" { in_l = $2 == l; next }
		in_l && $1 == n' "$EVAL"
}

@test "the evaluation runs on every trace at every level" {
	cat "$BATS_FILE_TMPDIR/eval.err"
	[ "$(cat "$BATS_FILE_TMPDIR/eval.status")" -eq 0 ]
	for l in low medium high; do
		for n in $(trace_names); do
			[ -n "$(row "$l" "$n")" ]
		done
	done
}

@test "every livelock is caught on fresh evidence after the load, before the stall and the kernel OOM" {
	local n r
	for n in $(trace_names); do
		r=$(row medium "$n")
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

@test "no near-oom where nothing should be killed, fresh or shown, though the kubelet rule fires" {
	local n r
	for n in $(trace_names); do
		r=$(row medium "$n")
		[ "$(echo "$r" | awk '{ print $2 }')" = none ] || continue
		echo "$r"
		[ "$(echo "$r" | awk '{ print $6, $8 }')" = "- -" ]
	done
	grep -q '^summary medium level .*: 0/' "$EVAL"
}

@test "once a culprit is gone, fresh falls below near-oom within 1.5 s; the shown level is held" {
	local n r
	for n in $(trace_names); do
		r=$(row medium "$n")
		[ "$(echo "$r" | awk '{ print $2 }')" = kill ] || continue
		echo "$r"
		echo "$r" | awk '{
			clear = $10; lclear = $11
			if (clear == "-" || clear + 0 > 1.5) exit 1
			if (lclear != "-" && lclear + 0 <= clear + 0) exit 1
		}'
	done
}

@test "sensitivity: low acts first, high last, still before the kernel's OOM kill" {
	local n lo me hi koom
	sed -n '/^order$/,$p' "$EVAL"
	for n in $(trace_names); do
		[ "$(row medium "$n" | awk '{ print $2 }')" = kill ] || continue
		lo=$(row low "$n" | awk '{ print $6 }')
		me=$(row medium "$n" | awk '{ print $6 }')
		hi=$(row high "$n" | awk '{ print $6 }')
		koom=$(row high "$n" | awk '{ print $4 }')
		echo "$n: low $lo medium $me high $hi kernel $koom"
		[ "$lo" != - ] && [ "$me" != - ] && [ "$hi" != - ]
		awk -v lo="$lo" -v me="$me" -v hi="$hi" -v k="$koom" 'BEGIN {
			exit !(lo + 0 <= me + 0 && me + 0 <= hi + 0 && (k == "-" || hi + 0 < k + 0))
		}'
	done
	# the eval's own table agrees
	grep -Eq '^summary order .*: ([0-9]+)/\1 livelocks' "$EVAL"
	! sed -n '/^order$/,$p' "$EVAL" | grep -q BROKEN
}

@test "the node scope of the same recordings stays clear of near-oom" {
	grep -q '^summary medium node .*: 0 trace' "$EVAL"
}

@test "the summary scores foom and the three rules at each level" {
	cat "$EVAL"
	for l in low medium high; do
		for m in foom earlyoom kubelet psi; do
			grep -q "^summary $l $m .*detected [0-9]*/[0-9]* .*false alarms [0-9]*/[0-9]*, median lead" "$EVAL"
		done
	done
}

# The traces recorded in VMs (bench/vm/traces): the node, cgroup v2, a
# v2 pod and v1 without PSI, by the same rules.
@test "the VM traces: every host shape's livelock caught before its onset, nothing on the healthy ones" {
	local out=$BATS_TEST_TMPDIR/vm-eval
	FOOM_BIN=$FOOM_BIN FOOM_EVAL_WORK=$TESTS/.traces/vm-eval "$TOP/bench/vm/eval" > "$out"
	cat "$out"
	# the node's livelock too: the node binds with no direct reclaim
	grep -q '^vm-node  *kill ' "$out"
	grep -Eq '^summary vm foom +detected ([0-9]+)/\1 \(\1 before the onset\), false alarms 0/[1-9]' "$out"
}

@test "a verdict's eta_s is the time its reason gives: the fresh judgement's when that speaks" {
	local n
	for n in $(trace_names); do
		foom-predict -o eta_s,reason "$TESTS/.traces/eval/$n.samples"
	done | awk -F '\t' '
		match($2, /^available memory falls: gone in [0-9.]+ s/) {
			n++
			said = substr($2, 1, RLENGTH - 2)
			sub(/.* /, "", said)
			if ($1 != said) { print "eta_s " $1 ", reason: " $2; bad++ }
		}
		END { print n " verdicts say when memory is gone"; exit bad || !n }'
}
