#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# foom-sample: fixture trees (v1, v2, hybrid, no PSI, older kernels,
# kubepods), the real traces, the live machine, exit statuses.

load helper

S=$FIX/sample

# A live test that fails midway still removes its cgroup.
teardown() {
	memcg_destroy
}

# sample_of ROOT ARGS...: foom-sample on a fixture root
sample_of() {
	local root=$1
	shift
	foom-sample --proc "$root/proc" --cgroup-root "$root/cgroup" "$@"
}

# field KEY: the value of KEY in the record in $output's line $2 (1st)
field() {
	printf '%s\n' "$output" | sed -n "${2:-1}p" | tr ' ' '\n' |
		sed -n "s/^$1=//p"
}

@test "sample: hybrid host (v1 memory, PSI from the cgroup2 tree) matches golden" {
	run sample_of "$S/hybrid" -s node -s cgroup:/foom-trace --ts 1795379286.119
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/out"
	assert_golden "$S/hybrid.out" "$BATS_TEST_TMPDIR/out"
}

@test "sample: v1 values are the raw files' values, derived keys as foom(7) says" {
	local d=$S/hybrid/cgroup/memory/foom-trace u l inact
	run sample_of "$S/hybrid" -s cgroup:/foom-trace --ts 1
	[ "$status" -eq 0 ]
	u=$(( $(cat "$d/memory.usage_in_bytes") / 1024 ))
	l=$(( $(cat "$d/memory.limit_in_bytes") / 1024 ))
	inact=$(( $(awk '$1 == "total_inactive_file" { print $2 }' "$d/memory.stat") / 1024 ))
	[ "$(field usage_kb)" = "$u" ]
	[ "$(field limit_kb)" = "$l" ]
	[ "$(field inactive_file_kb)" = "$inact" ]
	[ "$(field working_set_kb)" = "$((u - inact))" ]
	[ "$(field avail_kb)" = "$((l - (u - inact)))" ]
	[ "$(field failcnt)" = "$(cat "$d/memory.failcnt")" ]
	[ "$(field workingset_refault_file)" = "$(awk '$1 == "total_workingset_refault_file" { print $2 }' "$d/memory.stat")" ]
	[ "$(field psi_io_some_avg10_pct)" = "$(sed -n 's/^some avg10=\([0-9.]*\) .*/\1/p' "$S/hybrid/cgroup/unified/foom-trace/io.pressure")" ]
	[ "$(field memcg)" = v1 ]
}

@test "sample: node watermarks are summed over zones in KiB, pagesets ignored" {
	run sample_of "$S/hybrid" -s node --ts 1
	[ "$status" -eq 0 ]
	pk=$(( $(getconf PAGESIZE) / 1024 ))
	[ "$(field wmark_min_kb)" = "$(( (57 + 11483 + 5355) * pk ))" ]
	[ "$(field wmark_low_kb)" = "$(( (71 + 14353 + 6693) * pk ))" ]
	[ "$(field wmark_high_kb)" = "$(( (85 + 17223 + 8031) * pk ))" ]
}

@test "sample: v1 without PSI: no psi key at all, never a made-up 0" {
	run sample_of "$S/v1-nopsi" -s cgroup:/app -s node --ts 1000
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/out"
	assert_golden "$S/v1-nopsi.out" "$BATS_TEST_TMPDIR/out"
	[[ "$output" != *psi_* ]]
	[[ "$output" != *wmark_* ]]
}

@test "sample: v2 host: memory.max/high/current/events, limits capped by ancestors" {
	run sample_of "$S/v2" -s node -s cgroup:/app -s cgroup:/app/sub -s cgroup:/ --ts 1000.5
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/out"
	assert_golden "$S/v2.out" "$BATS_TEST_TMPDIR/out"
	# /app/sub has memory.max "max": its parent's 512 MiB is its limit
	[ "$(field limit_kb 3)" = 524288 ]
	[ "$(field events_max 2)" = 37 ]
	[ "$(field oom_kill 2)" = 1 ]
	[ "$(field high_kb 2)" = 491520 ]
	[ "$(field high_kb 3)" = "" ]
}

@test "sample: an older kernel's vmstat names; a missing meminfo field warns once" {
	run sample_of "$S/oldkernel" --ts 1000
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep '^sample')" = "$(cat "$S/oldkernel.out")" ]
	[[ "$output" == *"foom-sample: node: no 'MemAvailable' in 'meminfo': key left out"* ]]
	[ "$(field workingset_refault_file 2)" = "$(awk '$1 == "workingset_refault" { print $2 }' "$S/oldkernel/proc/vmstat")" ]
	[ "$(field allocstall 2)" = 17 ]
}

@test "sample: a malformed /proc field leaves that key out with a warning" {
	cp -r "$S/oldkernel" "$BATS_TEST_TMPDIR/bad"
	sed -i 's/^MemFree:.*/MemFree: lots kB/' "$BATS_TEST_TMPDIR/bad/proc/meminfo"
	printf 'cpu garbage\n' > "$BATS_TEST_TMPDIR/bad/proc/stat"
	run sample_of "$BATS_TEST_TMPDIR/bad" --ts 1
	[ "$status" -eq 0 ]
	[[ "$output" == *"no 'MemFree' in 'meminfo'"* ]]
	[[ "$output" == *"no 'cpu' in 'stat'"* ]]
	rec=$(printf '%s\n' "$output" | grep '^sample')
	[[ "$rec" != *mem_free_kb=* ]]
	[[ "$rec" != *usage_kb=* ]]
	[[ "$rec" != *cpu_sys_ticks=* ]]
	[[ "$rec" == *mem_total_kb=24684084* ]]
}

@test "sample: sums and watermarks past 2^63-1 saturate; negative or out-of-range numbers are none" {
	# huge: LRU sizes, allocstall_*, the cpu line and zone watermarks at
	# LLONG_MAX (and 2^61 pages), a negative watermark, a PSI total
	# past LLONG_MAX
	local m=9223372036854775807
	run foom-sample --proc "$S/huge/proc" --ts 1
	[ "$status" -eq 0 ]
	[ "$(field anon_kb)" = $m ]
	[ "$(field file_kb)" = $m ]
	[ "$(field allocstall)" = $m ]
	[ "$(field cpu_total_ticks)" = $m ]
	[ "$(field cpu_sys_ticks)" = 7 ]
	[ "$(field wmark_min_kb)" = $m ]
	[ "$(field wmark_low_kb)" = $m ]
	[ "$(field wmark_high_kb)" = $(( 3 * $(getconf PAGESIZE) / 1024 )) ]
	[ "$(field psi_mem_full_total_us)" = $m ]
	[ -z "$(field psi_mem_some_total_us)" ]
	[[ "$output" != *=-* ]]
}

@test "sample: kubepods on v1 (cgroupfs driver): pods by name, cgroup beside" {
	run sample_of "$S/kube-v1" --pods-dir "$S/kube-v1/pods" --pods --ts 1000
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/out"
	assert_golden "$S/kube-v1-pods.out" "$BATS_TEST_TMPDIR/out"
	[[ "$output" == *"scope=pod:default/web-0 cgroup=/kubepods/burstable/pod6f1c3a2e-0b7d-4c1e-9a55-2d3b4c5d6e7f "* ]]
	# a pod with no log directory is still sampled, by its path
	[[ "$output" == *"scope=cgroup:/kubepods/pod8d7c6b5a-4f3e-2d1c-0b9a-887766554433 "* ]]
}

@test "sample: kubepods on v2 (systemd driver): pods by name, cgroup beside" {
	run sample_of "$S/kube-v2" --pods-dir "$S/kube-v2/pods" --pods --ts 1000
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/out"
	assert_golden "$S/kube-v2-pods.out" "$BATS_TEST_TMPDIR/out"
	[[ "$output" == *"scope=pod:kube-system/coredns-5d78c9869d-abcde cgroup=/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod11111111_2222_3333_4444_555555555555.slice "* ]]
}

@test "sample: -s pod:ns/name resolves through the pods dir (env roots too)" {
	export FOOM_PROC=$S/kube-v2/proc FOOM_CGROUP_ROOT=$S/kube-v2/cgroup FOOM_PODS_DIR=$S/kube-v2/pods
	run foom-sample -s pod:default/web-0 --ts 1 -o scope,cgroup,limit_kb,memcg
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'pod:default/web-0\t/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6f1c3a2e_0b7d_4c1e_9a55_2d3b4c5d6e7f.slice\t262144\tv2')" ]
	run foom-sample -s pod:default/web-1 --ts 1
	[ "$status" -eq 3 ]
	[[ "$output" == *"pod:default/web-1: no pod 'default/web-1' in '$S/kube-v2/pods'"* ]]
}

@test "sample: --cgroups lists every cgroup with a limit of its own, sorted" {
	run sample_of "$S/kube-v1" --cgroups --ts 1 -o scope,limit_kb
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' \
		"cgroup:/kubepods	19531250" \
		"cgroup:/kubepods/burstable/pod6f1c3a2e-0b7d-4c1e-9a55-2d3b4c5d6e7f	262144" \
		"cgroup:/kubepods/burstable/pod6f1c3a2e-0b7d-4c1e-9a55-2d3b4c5d6e7f/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef	262144" \
		"cgroup:/kubepods/pod8d7c6b5a-4f3e-2d1c-0b9a-887766554433	1048576")" ]
}

@test "sample: -j, -t and -o render the same sample" {
	run sample_of "$S/v2" -s cgroup:/app --ts 1000.5 -j
	[ "$status" -eq 0 ]
	[[ "$output" == '{"record":"sample","ts":1000.500,"scope":"cgroup:/app","memcg":"v2","limit_kb":524288,'* ]]
	run sample_of "$S/v2" -s cgroup:/app -s cgroup:/app/sub --ts 1000.5 -t
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | head -1 | awk '{ print $1, $2, $3, $4 }')" = "TS SCOPE MEMCG LIMIT_KB" ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 3 ]
	run sample_of "$S/v2" -s cgroup:/app --ts 1000.5 -o scope,avail_kb
	[ "$output" = "$(printf 'cgroup:/app\t36864')" ]
}

@test "sample: every tick of every recorded trace reads, values as in the files" {
	need_traces
	for name in $(trace_names); do
		dir=$(unpack_trace "$name")
		ticks=0
		for d in "$dir"/[0-9]*/; do
			ticks=$((ticks + 1))
			echo "$(( $(cat "$d/cgroup/memory/foom-trace/memory.usage_in_bytes") / 1024 ))"
		done > "$BATS_TEST_TMPDIR/want"
		for d in "$dir"/[0-9]*/; do
			foom-sample --proc "$d/proc" --cgroup-root "$d/cgroup" \
				-s cgroup:/foom-trace --ts 1 -o usage_kb || echo "FAILED $d"
		done > "$BATS_TEST_TMPDIR/got" 2> "$BATS_TEST_TMPDIR/err"
		[ "$ticks" -eq "$(awk '/^ticks=|ticks=/ { for (i = 1; i <= NF; i++) if ($i ~ /^ticks=/) { sub("ticks=", "", $i); print $i } }' "$dir/meta")" ]
		[ ! -s "$BATS_TEST_TMPDIR/err" ] || { cat "$BATS_TEST_TMPDIR/err"; false; }
		assert_golden "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	done
}

@test "sample: exit 1 when --pods finds no pod" {
	run sample_of "$S/v1-nopsi" --pods-dir "$S/kube-v1/pods" --pods --ts 1
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}

@test "sample: exit 2 for an unknown scope spelling, bad numbers, bad combinations" {
	run foom-sample -s nodes
	[ "$status" -eq 2 ]
	[[ "$output" == *"foom-sample: unknown scope 'nodes' (want node, cgroup:/path or pod:namespace/name)"* ]]
	run foom-sample -s cgroup:relative/path
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad cgroup path in scope 'cgroup:relative/path'"* ]]
	run foom-sample -s cgroup:/a/../b
	[ "$status" -eq 2 ]
	run foom-sample -s pod:Default/web_0
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad pod in scope 'pod:Default/web_0'"* ]]
	run foom-sample -f -i 0.01
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad interval '0.01'"* ]]
	run foom-sample -c 0
	[ "$status" -eq 2 ]
	run foom-sample -f --ts 5
	[ "$status" -eq 2 ]
	[[ "$output" == *"--ts stamps one tick: not with -f or -c"* ]]
	run foom-sample node
	[ "$status" -eq 2 ]
	[[ "$output" == *"unexpected operand 'node'"* ]]
	run foom-sample --bogus
	[ "$status" -eq 2 ]
}

@test "sample: exit 3 for a scope that does not exist or an unreadable /proc" {
	run sample_of "$S/v2" -s cgroup:/nope --ts 1
	[ "$status" -eq 3 ]
	[[ "$output" == *"foom-sample: cgroup:/nope: no memory cgroup '/nope' under '$S/v2/cgroup'"* ]]
	run foom-sample --proc "$BATS_TEST_TMPDIR/none" --ts 1
	[ "$status" -eq 3 ]
	[[ "$output" == *"cannot open '$BATS_TEST_TMPDIR/none': No such file or directory"* ]]
	run foom-sample --proc "$S/v2/proc" --cgroup-root "$BATS_TEST_TMPDIR/none" -s cgroup:/app --ts 1
	[ "$status" -eq 3 ]
	[[ "$output" == *"cannot open a memory cgroup hierarchy under '$BATS_TEST_TMPDIR/none'"* ]]
}

@test "sample: a message longer than 1 KiB is one line, cut with ..., in one write" {
	local long=$BATS_TEST_TMPDIR/none d
	for d in a b c d e f; do
		long=$long/$(printf "$d%.0s" $(seq 200))
	done
	run foom-sample --proc "$long" --ts 1
	[ "$status" -eq 3 ]
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/err"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/err")" -eq 1 ]
	[ "$(wc -c < "$BATS_TEST_TMPDIR/err")" -le 1024 ]
	[[ "$(cat "$BATS_TEST_TMPDIR/err")" == "foom-sample: cannot open '$BATS_TEST_TMPDIR/none/aaa"*"..." ]]
	# one write(2) of it, never the prefix and the text apart
	strace -f -e trace=write -o "$BATS_TEST_TMPDIR/trace" \
		foom-sample --proc "$long" --ts 1 2> /dev/null || [ $? -eq 3 ]
	[ "$(grep -c '^[0-9]* *write(2, ' "$BATS_TEST_TMPDIR/trace")" -eq 1 ]
}

@test "sample: -c N ticks on the drift-free schedule, none before its slot" {
	run --separate-stderr sample_of "$S/v2" -s cgroup:/app -c 4 -i 0.05 -o ts
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 4 ]
	# tick k comes at start + k * interval or later (a slow machine only
	# makes it later), never sooner: ts rises, by the slots
	printf '%s\n' "$output" | awk 'NR == 1 { t0 = $1 } NR > 1 {
		if ($1 <= p || $1 - t0 < (NR - 1) * 0.05 - 0.002) exit 1 } { p = $1 }'
}

@test "sample (live): the node sample agrees with /proc/meminfo" {
	run foom-sample
	[ "$status" -eq 0 ]
	[ "$(field mem_total_kb)" = "$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)" ]
	[ "$(field swap_total_kb)" = "$(awk '$1 == "SwapTotal:" { print $2 }' /proc/meminfo)" ]
	[ "$(field limit_kb)" = "$(field mem_total_kb)" ]
	avail=$(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)
	got=$(field mem_available_kb)
	# the same gauge a moment apart: within 1% of the machine
	d=$(( got > avail ? got - avail : avail - got ))
	[ "$d" -lt "$(( $(field mem_total_kb) / 100 ))" ]
	[ "$(field oom_kill)" = "$(awk '$1 == "oom_kill" { print $2 }' /proc/vmstat)" ]
}

@test "sample (live): a memory cgroup the test makes, with its real limit and usage" {
	memcg_create sample 67108864
	in_memcg sh -c 'head -c 20000000 /dev/urandom > /dev/null; sleep 30'
	sleep 0.5
	run foom-sample -s "cgroup:$MEMCG_PATH"
	usage=$(( $(cat "$MEMCG_DIR/memory.usage_in_bytes") / 1024 ))
	kill "$PID" 2>/dev/null || true
	memcg_destroy
	[ "$status" -eq 0 ]
	[ "$(field scope)" = "cgroup:$MEMCG_PATH" ]
	[ "$(field memcg)" = v1 ]
	[ "$(field limit_kb)" = 65536 ]
	got=$(field usage_kb)
	[ "$got" -gt 0 ] && [ "$got" -le 65536 ]
	d=$(( got > usage ? got - usage : usage - got ))
	[ "$d" -lt 4096 ]
}

@test "sample (live): -f locks its memory and does not grow; a removed cgroup is dropped" {
	memcg_create follow 67108864
	# every tick at the interval: the node alone, idle, would wait
	foom-sample -f -i 0.05 --idle-max 0 -s node -s "cgroup:$MEMCG_PATH" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" &
	fpid=$!
	sleep 1
	lck=$(awk '$1 == "VmLck:" { print $2 }' /proc/$fpid/status)
	rss1=$(awk '$1 == "VmRSS:" { print $2 }' /proc/$fpid/status)
	sleep 3
	rss2=$(awk '$1 == "VmRSS:" { print $2 }' /proc/$fpid/status)
	rmdir "$MEMCG_DIR"
	sleep 0.5
	n1=$(grep -c '^sample.*scope=node' "$BATS_TEST_TMPDIR/out")
	sleep 0.5
	n2=$(grep -c '^sample.*scope=node' "$BATS_TEST_TMPDIR/out")
	adj=$(cat /proc/$fpid/oom_score_adj)
	kill "$fpid"
	wait "$fpid" || true
	echo "VmLck $lck rss $rss1 -> $rss2, node lines $n1 -> $n2, adj $adj"
	cat "$BATS_TEST_TMPDIR/err"
	# ASan intercepts mlockall as a no-op: the lock shows on the plain build
	[ -n "${FOOM_SANITIZED:-}" ] || [ "$lck" -gt 0 ]
	[ "$rss2" -le "$rss1" ]
	# -1000 where permitted (CAP_SYS_RESOURCE), else the documented warning
	[ "$adj" = -1000 ] ||
		grep -q "foom-sample: cannot set oom_score_adj to -1000" "$BATS_TEST_TMPDIR/err"
	grep -q "foom-sample: cgroup:$MEMCG_PATH: its cgroup is gone: dropped" "$BATS_TEST_TMPDIR/err"
	[ "$n2" -gt "$n1" ]
	[ "$(grep -c "scope=cgroup:$MEMCG_PATH" "$BATS_TEST_TMPDIR/out")" -gt 40 ]
}

# The live cheap-tick tests' waits (poll): the memcg's usage, and the
# samples in FILE that waited (tick_s=) or are near the limit (80%).
usage_at_least() {
	[ "$(cat "$MEMCG_DIR/memory.usage_in_bytes")" -ge "$1" ]
}
waits_at_least() {
	[ "$(grep -c ' tick_s=' "$1")" -ge "$2" ]
}
nears_at_least() {
	[ "$(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	            if (v["usage_kb"] >= 0.8 * v["limit_kb"]) n++; delete v }
	          END { print n + 0 }' "$1")" -ge "$2" ]
}

@test "sample (live): -f far from the limit reads only the cheap files; near it every tick is whole; foom-predict carries the rest" {
	local out=$BATS_TEST_TMPDIR/out
	memcg_create cheap 134217728
	foom-sample -f -i 0.05 -s "cgroup:$MEMCG_PATH" > "$out" 2>/dev/null &
	fpid=$!
	poll 400 lines_at_least "$out" 30
	# a lowered limit is read on the next whole tick: within a second
	# of ticks (20 at 0.05 s, and the one under way)
	n=$(wc -l < "$out")
	echo $((127 << 20)) > "$MEMCG_DIR/memory.limit_in_bytes"
	poll 400 lines_at_least "$out" $((n + 22))
	head -$((n + 22)) "$out" | tail -1 | grep -q " limit_kb=$((127 << 10)) "
	# 112 of 127 MiB: past the 80% from which every tick is whole
	in_memcg "$FOOM_TESTBIN/hog" hold 112
	hog=$PID
	poll 400 usage_at_least $((112 << 20))
	n=$(wc -l < "$out")
	poll 400 lines_at_least "$out" $((n + 20))
	kill "$fpid" "$hog"
	wait "$fpid" || true
	# whole first, then cheap ones: usage, limit, failcnt, none of memory.stat's
	head -1 "$out" | grep -q ' anon_kb='
	head -1 "$out" | grep -vq ' cheap=1'
	grep ' cheap=1' "$out" > "$BATS_TEST_TMPDIR/cheap"
	[ -s "$BATS_TEST_TMPDIR/cheap" ]
	grep -q ' usage_kb=.* failcnt=' "$BATS_TEST_TMPDIR/cheap"
	! grep -Eq ' (anon_kb|file_kb|avail_kb|inactive_file_kb|pgmajfault|workingset_refault_file)=' "$BATS_TEST_TMPDIR/cheap"
	# from the first sample at 80% of the limit on, none is cheap
	awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	       if (v["usage_kb"] >= 0.8 * v["limit_kb"]) near = 1
	       if (near && $0 ~ / cheap=1/) bad++
	       delete v }
	     END { exit !(near && !bad) }' "$out"
	# the predictor: a cheap sample's verdict has the figures of the
	# last whole one, not figures gone missing or to 0
	foom-predict "$out" > "$BATS_TEST_TMPDIR/v"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/v")" -eq "$(wc -l < "$out")" ]
	! grep -v ' anon_pct=' "$BATS_TEST_TMPDIR/v"
	! grep -v ' file_kb=' "$BATS_TEST_TMPDIR/v"
}

@test "sample (live): far from the limit ticks wait (tick_s=); a child filling the cgroup brings every tick back before the near zone" {
	local out=$BATS_TEST_TMPDIR/out
	# 1 GiB: an empty cgroup is 819 MiB from the 80% near margin, over
	# 0.1 s at the fastest plausible fill, so ticks at -i 0.05 wait two
	memcg_create idle 1073741824
	foom-sample -c 10 -i 0.05 --idle-max 0 -s "cgroup:$MEMCG_PATH" > "$BATS_TEST_TMPDIR/off" 2>/dev/null
	foom-sample -f -i 0.05 -s "cgroup:$MEMCG_PATH" > "$out" 2>/dev/null &
	fpid=$!
	poll 400 waits_at_least "$out" 5
	# 900 MiB at 200 MiB/s: past the near margin, under the limit
	in_memcg "$FOOM_TESTBIN/hog" hold 900 200
	hog=$PID
	poll 800 nears_at_least "$out" 5
	kill "$fpid" "$hog"
	wait "$fpid" || true
	# each record: its line, whether near, whether it waited
	awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	       print NR, (v["usage_kb"] >= 0.8 * v["limit_kb"]), ("tick_s" in v) ? v["tick_s"] : "-"
	       delete v }' "$out" > "$BATS_TEST_TMPDIR/ticks"
	# waits while far: two intervals, the ts the real time after them
	grep -q ' 0 0.100$' "$BATS_TEST_TMPDIR/ticks"
	! grep -q ' 1 [0-9]' "$BATS_TEST_TMPDIR/ticks"
	# the last wait comes before the first near record, with ticks at
	# the interval between: the ramp is seen whole
	last=$(awk '$3 != "-" { l = $1 } END { print l + 0 }' "$BATS_TEST_TMPDIR/ticks")
	near=$(awk '$2 == 1 { print $1; exit }' "$BATS_TEST_TMPDIR/ticks")
	echo "last wait at record $last, first near at $near"
	[ "$last" -gt 0 ] && [ -n "$near" ]
	[ "$near" -gt $((last + 5)) ]
	# --idle-max 0 on the empty cgroup: no tick waits
	[ "$(grep -c ' tick_s=' "$BATS_TEST_TMPDIR/off")" -eq 0 ]
	[ "$(wc -l < "$BATS_TEST_TMPDIR/off")" -eq 10 ]
}

@test "sample: tests/thin makes of whole samples what -f prints (the same gate on the same keys)" {
	local t=$BATS_TEST_TMPDIR r n k ts
	for r in hybrid v2; do
		sample_of "$S/$r" -c 3 -i 0.05 -s node $([ $r = hybrid ] && echo -s cgroup:/foom-trace ||
			echo -s cgroup:/app -s cgroup:/app/sub) 2>/dev/null > "$t/f"
		grep -q ' cheap=1' "$t/f"
		n=$(( $(wc -l < "$t/f") / 3 ))
		# the first tick's whole records at each tick's time: thinned,
		# they are the records -f printed
		for k in 0 1 2; do
			ts=$(sed -n "$((k * n + 1))p" "$t/f" | cut -d' ' -f2)
			head -"$n" "$t/f" | sed "s/^sample ts=[^ ]* /sample $ts /"
		done > "$t/whole"
		"$FOOM_TESTBIN/thin" "$t/whole" > "$t/thin"
		cmp "$t/thin" "$t/f"
	done
	# the node alone is far from its limit: the idle tick waits, and
	# thin -a drops what it would not have read and adds tick_s=
	sample_of "$S/v2" -c 3 -i 0.05 -s node 2>/dev/null > "$t/f"
	grep -q ' tick_s=1.000' "$t/f"
	for k in 1 2 3; do
		ts=$(sed -n "${k}p" "$t/f" | cut -d' ' -f2)
		head -1 "$t/f" | sed "s/^sample ts=[^ ]* /sample $ts /"
		# a tick the sampler did not take, between its second and third
		[ "$k" != 2 ] || head -1 "$t/f" |
			sed "s/^sample ts=[^ ]* /sample ts=$(echo "${ts#ts=}" | awk '{ printf "%.3f", $1 + 0.04 }') /"
	done > "$t/whole"
	[ "$(wc -l < "$t/whole")" -eq 4 ]
	"$FOOM_TESTBIN/thin" -a 1 -i 0.05 "$t/whole" > "$t/thin"
	cmp "$t/thin" "$t/f"
	# without -a no tick is dropped and none has tick_s=
	"$FOOM_TESTBIN/thin" "$t/whole" > "$t/thin"
	[ "$(wc -l < "$t/thin")" -eq 4 ]
	! grep -q ' tick_s=' "$t/thin"
}
