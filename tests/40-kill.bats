#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# foom-kill on real processes this file starts (kvictim, sleep) and on a
# fixture /proc in dry runs.  Nothing else is ever signalled: every PID
# handed to foom-kill is a child started here, or one foom-kill must
# refuse (PID 1, kthreadd, itself, its process group).

load helper
bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	STARTED=()
}

teardown() {
	local e pid start
	# Only what this test started, and only while it is still that
	# process (same start time): its group first, then itself.
	for e in "${STARTED[@]}"; do
		pid=${e%%:*} start=${e#*:}
		if [ "$(start_of "$pid")" = "$start" ]; then
			kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
		fi
	done
	memcg_destroy
	if [ -n "${V2_DIR:-}" ] && [ -d "$V2_DIR" ]; then
		echo 1 > "$V2_DIR/cgroup.kill" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			rmdir "$V2_DIR" 2>/dev/null && break
			sleep 0.1
		done
	fi
}

# Field 22 of /proc/PID/stat (after the last ')', it is the 20th).
start_of() {
	awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null
}

state_of() {
	awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null
}

# alive PID START: that very process exists and is not a zombie.
alive() {
	[ "$(start_of "$1")" = "$2" ] && [ "$(state_of "$1")" != Z ]
}

# dead PID START: that process has exited (gone, or a zombie).
dead() {
	! alive "$1" "$2"
}

# victim [kvictim options]: start a kvictim, wait until it is ready; sets
# VPID, VSTART and KIDS (its children, then its zombie).
victim() {
	local r=$T/ready.$RANDOM$RANDOM i lines
	kvictim -r "$r" "$@" >/dev/null 2>&1 3>&- &
	disown
	for i in $(seq 1000); do
		[ -f "$r" ] && break
		sleep 0.01
	done
	[ -f "$r" ] || { echo "kvictim did not start" >&2; return 1; }
	mapfile -t lines < "$r"
	VPID=${lines[0]}
	KIDS=("${lines[@]:1}")
	VSTART=$(start_of "$VPID")
	STARTED+=("$VPID:$VSTART")
	for i in "${KIDS[@]}"; do
		STARTED+=("$i:$(start_of "$i")")
	done
}

# The value of KEY in the logfmt line $2.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1
}

@test "killed: the start time matches, the victim dies, exit 0" {
	victim -m 16
	run foom-kill "$VPID:$VSTART"
	[ "$status" -eq 0 ]
	[[ $output == "kill ts="*" pid=$VPID start=$VSTART comm=kvictim signal=SIGKILL result=killed "* ]]
	[ "$(field rss_kb "$output")" -ge 16384 ]
	[ "$(field freed_kb "$output")" -ge 16384 ]
	[[ $output == *" elapsed_ms="* ]]
	[[ $output != *trigger_ts* ]]
	dead "$VPID" "$VSTART"
}

@test "killed: PID alone, its start time read after pidfd_open" {
	victim
	run foom-kill "$VPID"
	[ "$status" -eq 0 ]
	[[ $output == *" pid=$VPID start=$VSTART "*" result=killed "* ]]
	dead "$VPID" "$VSTART"
}

@test "invariant 1: stale start time is never signalled, exit 1" {
	victim
	run foom-kill "$VPID:$((VSTART + 1))"
	[ "$status" -eq 1 ]
	[[ $output == *" pid=$VPID start=$((VSTART + 1)) comm=kvictim result=stale "* ]]
	[[ $output == *"reason=\"start $VSTART, not $((VSTART + 1)): another process\""* ]]
	[[ $output != *signal=* ]]
	alive "$VPID" "$VSTART"
}

@test "invariant 1: a stale victim record in follow mode is not signalled" {
	victim
	run --separate-stderr foom-kill -f <<-EOF
	victim ts=1.000 scope=node rank=1 pid=$VPID start=$((VSTART - 1)) comm=kvictim
	EOF
	[ "$status" -eq 1 ]
	[[ $output == *" result=stale "* ]]
	alive "$VPID" "$VSTART"
}

@test "invariant 2: PID 1 and kthreadd are refused" {
	run foom-kill -o pid,result,reason 1 "2:$(start_of 2)"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "1	protected	pid 1" ]
	[ "${lines[1]}" = "2	protected	kernel thread" ]
}

@test "invariant 2: a kernel thread other than kthreadd is refused" {
	local k
	k=$(awk '$1 == "PPid:" && $2 == 2 { split(FILENAME, p, "/"); print p[3]; exit }' /proc/[0-9]*/status 2>/dev/null || true)
	[ -n "$k" ] || skip "no kernel thread visible in /proc"
	run foom-kill -o pid,result,reason "$k"
	[ "$status" -eq 1 ]
	[ "$output" = "$k	protected	kernel thread" ]
}

@test "invariant 2: foom-kill refuses itself" {
	printf '%s\n' 'echo "victim scope=node pid=$$ start=$(cut -d" " -f22 /proc/$$/stat)" > "$1"' \
		'exec foom-kill -f -o pid,result,reason < "$1"' > "$T/self.sh"
	run sh "$T/self.sh" "$T/self.in"
	[ "$status" -eq 1 ]
	[[ $output == *"	protected	foom itself" ]]
}

@test "invariant 2: foom-kill refuses its ancestors, not the rest of its process group" {
	# a script's child shares the script's group: it may be killed
	victim -G
	run foom-kill -o result "$VPID:$VSTART"
	[ "$status" -eq 0 ]
	[ "$output" = killed ]
	! alive "$VPID" "$VSTART"
	# the shell that started foom-kill (and everything above it) never
	run sh -c 'foom-kill -o result,reason "$$:$(cut -d" " -f22 /proc/$$/stat)"; echo "st=$?"'
	[ "$output" = "$(printf 'protected\tan ancestor of foom\nst=1')" ]
}

@test "invariant 2: foom-kill refuses a process running a foom binary, whatever its name" {
	ln -f "$FOOM_BIN/foom-sample" "$T/innocent-link" 2>/dev/null ||
		skip "cannot hard-link the binary into the test's directory"
	cp "$FOOM_BIN/foom-sample" "$T/innocent"
	"$T/innocent-link" -f -i 1 -s node > /dev/null &
	local p=$! q i
	for i in $(seq 500); do [ "$(cat /proc/$p/comm)" = innocent-link ] && break; sleep 0.01; done
	run foom-kill -o result,reason "$p"
	kill -0 "$p"
	kill "$p"
	[ "$output" = "$(printf 'protected\ta foom process')" ]
	# a copy is another file: not foom's
	"$T/innocent" -f -i 1 -s node > /dev/null &
	q=$!
	for i in $(seq 500); do [ "$(cat /proc/$q/comm)" = innocent ] && break; sleep 0.01; done
	run foom-kill -o result "$q"
	kill "$q" 2>/dev/null || :
	[ "$output" = killed ]
}

@test "invariant 2: oom_score_adj -1000 is refused (live)" {
	victim
	echo -1000 > "/proc/$VPID/oom_score_adj" 2>/dev/null ||
		skip "cannot set oom_score_adj -1000 here (no CAP_SYS_RESOURCE); the fixture test covers the check, and the guest test runs this one"
	run foom-kill -o result,reason "$VPID:$VSTART"
	[ "$status" -eq 1 ]
	[ "$output" = "protected	oom_score_adj -1000" ]
	alive "$VPID" "$VSTART"
}

# Where this host's root may not set -1000, the same test runs in a qemu
# guest (bench/vm/run, make vm-deps), whose root has every capability.
@test "invariant 2: oom_score_adj -1000 is refused, live in a guest where root may set it" {
	command -v qemu-system-x86_64 > /dev/null && [ -f "$TOP/bench/vm/.kernel/current" ] ||
		skip "no qemu or guest kernel (make vm-deps)"
	mkdir "$T/out"
	cat > "$T/guest" <<-EOF
	#!/bin/sh
	cd '$TOP' && FOOM_BIN='$FOOM_BIN' FOOM_TESTBIN='$FOOM_TESTBIN' \
		FOOM_SANITIZED='${FOOM_SANITIZED:-}' bats --tap \
		-f '^invariant 2: oom_score_adj -1000 is refused \(live\)\$' \
		tests/40-kill.bats > /run/out/tap 2>&1
	echo "status \$?" >> /run/out/tap
	EOF
	chmod +x "$T/guest"
	run "$TOP/bench/vm/run" -m 512 "$T/out" "$T/guest"
	cat "$T/out/tap" || tail -20 "$T/out/console.log"
	[ "$status" -eq 0 ]
	# ran, not skipped, and passed
	[ "$(cat "$T/out/tap")" = "1..1
ok 1 invariant 2: oom_score_adj -1000 is refused (live)
status 0" ]
}

@test "invariant 2: fixture /proc: PID 1, kernel thread, -1000 refused; stale; gone" {
	run foom-kill -n --proc "$FIX/kill/proc" -o pid,start,comm,result,rss_kb,reason \
		1 2 300 400:6000 400:6001 500
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" > "$T/got"
	assert_golden "$FIX/kill/refusals.tsv" "$T/got"
}

@test "a fixture /proc is refused without -n, exit 2" {
	run foom-kill --proc "$FIX/kill/proc" 400
	[ "$status" -eq 2 ]
	[[ $output == *"foom-kill: '$FIX/kill/proc' is not this process's /proc: it can only be used with -n"* ]]
}

@test "a zombie is gone" {
	victim -z
	local z=${KIDS[0]}
	[ "$(state_of "$z")" = Z ]
	run foom-kill -o pid,result,reason "$z"
	[ "$status" -eq 1 ]
	[ "$output" = "$z	gone	zombie" ]
	alive "$VPID" "$VSTART"
}

@test "a process that is no more is gone" {
	victim
	kill -9 "$VPID"
	wait "$VPID" 2>/dev/null || true
	# SIGKILL takes effect when the victim next runs: until it is a
	# zombie or gone, it could still be found alive
	local i st
	for i in $(seq 600); do
		st=$(sed 's/.*) //' "/proc/$VPID/stat" 2>/dev/null | cut -d' ' -f1) || st=
		[ -z "$st" ] || [ "$st" = Z ] && break
		sleep 0.05
	done
	run foom-kill -o result,reason "$VPID:$VSTART"
	[ "$status" -eq 1 ]
	# Not our child to reap: it may still be a zombie.
	[ "$output" = "gone	no such process" ] || [ "$output" = "gone	zombie" ]
}

@test "--grace: TERM ignored, KILL after the grace" {
	victim -t
	run foom-kill --grace 0.3 "$VPID:$VSTART"
	[ "$status" -eq 0 ]
	[[ $output == *" signal=SIGTERM,SIGKILL result=killed "* ]]
	dead "$VPID" "$VSTART"
}

@test "--grace: TERM is enough for a process that heeds it" {
	victim
	run foom-kill --grace 5 "$VPID:$VSTART"
	[ "$status" -eq 0 ]
	[[ $output == *" signal=SIGTERM result=killed "* ]]
	dead "$VPID" "$VSTART"
}

@test "--signal and --wait: a process that outlives the wait is a timeout" {
	victim -t
	run foom-kill --signal TERM --wait 0.2 "$VPID:$VSTART"
	[ "$status" -eq 1 ]
	[[ $output == *" signal=SIGTERM result=timeout "* ]]
	[[ $output == *'reason="1 still alive after 0.2 s"'* ]]
	alive "$VPID" "$VSTART"
}

@test "-g kills the whole process group, each member checked" {
	victim -c 3
	run foom-kill -g "$VPID:$VSTART"
	[ "$status" -eq 0 ]
	[[ $output == *" result=killed "*" procs=4"* ]]
	dead "$VPID" "$VSTART"
	for k in "${KIDS[@]}"; do
		! [ "$(state_of "$k")" = S ]
	done
}

@test "without -g only the victim dies" {
	victim -c 2
	local k1=${KIDS[0]} s1
	s1=$(start_of "$k1")
	run foom-kill "$VPID:$VSTART"
	[ "$status" -eq 0 ]
	[[ $output == *" procs=1"* ]]
	dead "$VPID" "$VSTART"
	alive "$k1" "$s1"
}

@test "--cgroup empties a real memory cgroup (v1: each PID by its pidfd)" {
	memcg_create kill 268435456
	local r=$T/ready.cg i
	in_memcg kvictim -c 3 -m 8 -r "$r"
	for i in $(seq 500); do [ -f "$r" ] && break; sleep 0.01; done
	VSTART=$(start_of "$PID")
	STARTED+=("$PID:$VSTART")
	[ "$(wc -l < "$MEMCG_DIR/cgroup.procs")" -eq 4 ]
	run foom-kill --cgroup "$PID:$VSTART"
	[ "$status" -eq 0 ]
	[[ $output == *" scope=cgroup:$MEMCG_PATH pid=$PID "*" result=killed "*" procs=4"* ]]
	[ ! -s "$MEMCG_DIR/cgroup.procs" ]
}

@test "--cgroup spares a protected member" {
	memcg_create spare 268435456
	local r=$T/ready.sp i
	in_memcg kvictim -c 1 -r "$r"
	for i in $(seq 500); do [ -f "$r" ] && break; sleep 0.01; done
	VSTART=$(start_of "$PID")
	STARTED+=("$PID:$VSTART")
	# A member a protect rule matches: never signalled.
	in_memcg sleep 300
	local keep=$PID ks
	for i in $(seq 500); do [ "$(cat "/proc/$keep/comm")" = sleep ] && break; sleep 0.01; done
	ks=$(start_of "$keep")
	STARTED+=("$keep:$ks")
	run foom-kill --cgroup --protect 'name=^sleep$' "${STARTED[0]}"
	[ "$status" -eq 0 ]
	[[ $output == *" result=killed "*" procs=2 reason=\"1 protected process spared\""* ]]
	alive "$keep" "$ks"
	[ "$(cat "$MEMCG_DIR/cgroup.procs")" = "$keep" ]
}

@test "--cgroup on cgroup v2 uses cgroup.kill" {
	[ "$(id -u)" = 0 ] || skip "live test: needs root to create a cgroup"
	local base
	base=$(sed -n 's/^0:://p' /proc/self/cgroup)
	[ -d /sys/fs/cgroup/unified ] || skip "no cgroup2 hierarchy at /sys/fs/cgroup/unified"
	V2_DIR=/sys/fs/cgroup/unified${base%/}/foom-test-$$-v2
	mkdir "$V2_DIR" 2>/dev/null || skip "cannot create a cgroup2 group under ${base:-/}"
	[ -e "$V2_DIR/cgroup.kill" ] || skip "no cgroup.kill (kernel before 5.14)"
	# A cgroup root with only the v2 tree, so v2 is the one used.
	mkdir "$T/cgroot"
	ln -s /sys/fs/cgroup/unified "$T/cgroot/unified"
	local r=$T/ready.v2 i
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$V2_DIR" kvictim -c 2 -r "$r" >/dev/null 2>&1 3>&- &
	for i in $(seq 500); do [ -f "$r" ] && break; sleep 0.01; done
	mapfile -t KIDS < "$r"
	VPID=${KIDS[0]} VSTART=$(start_of "${KIDS[0]}")
	STARTED+=("$VPID:$VSTART")
	run foom-kill --cgroup --cgroup-root "$T/cgroot" "$VPID:$VSTART"
	[ "$status" -eq 0 ]
	[[ $output == *" scope=cgroup:${base%/}/foom-test-$$-v2 pid=$VPID "*" result=killed "*" procs=3"* ]]
	[ ! -s "$V2_DIR/cgroup.procs" ]
}

@test "-n: dry run signals nothing, even a group" {
	victim -c 2
	run foom-kill -n -g "$VPID:$VSTART"
	[ "$status" -eq 0 ]
	[[ $output == *" result=dry-run "*" procs=3"* ]]
	[[ $output != *signal=* ]]
	alive "$VPID" "$VSTART"
	[ "$(state_of "${KIDS[0]}")" = S ]
}

@test "cooldown holds the second victim of a scope back and lets a later one through" {
	victim; local a=$VPID as=$VSTART
	victim; local b=$VPID bs=$VSTART
	victim; local c=$VPID cs=$VSTART
	victim; local d=$VPID ds=$VSTART
	# b comes at once after a, c after the cooldown: a stall of up to
	# 3 s on a loaded machine still holds b
	run --separate-stderr foom-kill -f -v --cooldown 3 -o pid,scope,result < <(
		echo "victim scope=cgroup:/a pid=$a start=$as"
		echo "victim scope=cgroup:/a pid=$b start=$bs"
		echo "victim scope=cgroup:/b pid=$d start=$ds"
		sleep 4
		echo "victim scope=cgroup:/a pid=$c start=$cs")
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "$a	cgroup:/a	killed" ]
	[ "${lines[1]}" = "$b	cgroup:/a	cooldown" ]
	[ "${lines[2]}" = "$d	cgroup:/b	killed" ]
	[ "${lines[3]}" = "$c	cgroup:/a	killed" ]
	alive "$b" "$bs"
	dead "$a" "$as"
	dead "$c" "$cs"
}

@test "cooldown by hierarchy: a nested scope after a node kill is held, so is an ancestor; a sibling is not" {
	victim; local a=$VPID as=$VSTART
	victim; local b=$VPID bs=$VSTART
	victim; local c=$VPID cs=$VSTART
	victim; local d=$VPID ds=$VSTART
	victim; local e=$VPID es=$VSTART
	run --separate-stderr foom-kill -f -v --cooldown 3600 -o pid,scope,result,reason <<-EOF
	victim scope=node pid=$a start=$as
	victim scope=cgroup:/x/y pid=$b start=$bs
	EOF
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "$a	node	killed	" ]
	[[ ${lines[1]} == "$b	cgroup:/x/y	cooldown	node had a kill "*" s ago" ]]
	alive "$b" "$bs"
	run --separate-stderr foom-kill -f -v --cooldown 3600 -o pid,scope,result <<-EOF
	victim scope=cgroup:/p/q pid=$b start=$bs
	victim scope=cgroup:/p/r pid=$c start=$cs
	victim scope=cgroup:/p pid=$d start=$ds
	victim scope=node pid=$e start=$es
	EOF
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "$b	cgroup:/p/q	killed" ]
	[ "${lines[1]}" = "$c	cgroup:/p/r	killed" ]
	[ "${lines[2]}" = "$d	cgroup:/p	cooldown" ]
	[ "${lines[3]}" = "$e	node	cooldown" ]
	dead "$b" "$bs"
	dead "$c" "$cs"
	alive "$d" "$ds"
	alive "$e" "$es"
}

@test "cooldown: where a victim lives counts, whatever its record's scope says" {
	victim; local a=$VPID as=$VSTART
	victim; local b=$VPID bs=$VSTART
	local real
	real=$(foom-kill -n -o scope "$a:$as")
	[[ $real == cgroup:/* ]] || skip "the victims run in the root cgroup"
	# After a kill there, a victim living there but claiming a sibling
	# scope is held.
	run --separate-stderr foom-kill -f -v --cooldown 3600 -o pid,result <<-EOF
	victim scope=$real pid=$a start=$as
	victim scope=cgroup:/elsewhere/else pid=$b start=$bs
	EOF
	[ "${lines[0]}" = "$a	killed" ]
	[ "${lines[1]}" = "$b	cooldown" ]
	alive "$b" "$bs"
}

@test "cooldown ends on evidence: fresh evidence after the victim's exit goes ahead, older evidence is held" {
	victim; local a=$VPID as=$VSTART
	victim; local b=$VPID bs=$VSTART
	victim; local c=$VPID cs=$VSTART
	victim; local d=$VPID ds=$VSTART
	run --separate-stderr foom-kill -f -v --cooldown 3600 --log "$T/kills.log" -o pid,result < <(
		echo "victim scope=cgroup:/e pid=$a start=$as"
		# The kill record is logged once a's exit has been seen.
		for i in $(seq 1000); do
			[ -s "$T/kills.log" ] && break
			sleep 0.01
		done
		# A second before a was taken up: before its exit.
		ts=$(sed 's/.* ts=\([0-9.]*\) .*/\1/' "$T/kills.log" | awk '{ printf "%.3f", $1 - 1 }')
		echo "victim scope=cgroup:/e pid=$c start=$cs evidence_ts=$ts"
		echo "victim scope=cgroup:/e/f pid=$d start=$ds"
		echo "victim scope=cgroup:/e/f pid=$b start=$bs evidence_ts=$(date +%s.%N)")
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "$a	killed" ]
	[ "${lines[1]}" = "$c	cooldown" ]
	[ "${lines[2]}" = "$d	cooldown" ]
	[ "${lines[3]}" = "$b	killed" ]
	dead "$a" "$as"
	dead "$b" "$bs"
	alive "$c" "$cs"
	alive "$d" "$ds"
}

@test "cooldown after a timeout holds whatever the evidence; evidence from the future is none" {
	victim -t; local a=$VPID as=$VSTART
	victim; local b=$VPID bs=$VSTART
	run --separate-stderr foom-kill -f -v --signal TERM --wait 0.2 --cooldown 3600 -o pid,result < <(
		echo "victim scope=node pid=$a start=$as"
		sleep 0.5
		echo "victim scope=node pid=$b start=$bs evidence_ts=$(date +%s.%N)")
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "$a	timeout" ]
	[ "${lines[1]}" = "$b	cooldown" ]
	alive "$b" "$bs"
	victim; local c=$VPID cs=$VSTART
	victim; local d=$VPID ds=$VSTART
	run --separate-stderr foom-kill -f -v --cooldown 3600 -o pid,result <<-EOF
	victim scope=node pid=$c start=$cs
	victim scope=node pid=$d start=$ds evidence_ts=99999999999
	EOF
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "$c	killed" ]
	[ "${lines[1]}" = "$d	cooldown" ]
	alive "$d" "$ds"
}

@test "cooldown: a held victim is copied through and reported once an episode" {
	victim; local a=$VPID as=$VSTART
	victim; local b=$VPID bs=$VSTART
	local i
	{
		echo "victim scope=node pid=$a start=$as"
		for i in $(seq 30); do
			echo "verdict ts=$i.000 scope=node level=near-oom"
			echo "victim scope=node pid=$b start=$bs"
		done
	} > "$T/in"
	run --separate-stderr foom-kill -f --pass -v --cooldown 3600 -o record,pid,result < "$T/in"
	[ "$status" -eq 1 ]
	[ "$(grep -c "^victim	$b	\$" <<< "$output")" -eq 1 ]
	[ "$(grep -c "^kill	$b	cooldown\$" <<< "$output")" -eq 1 ]
	[ "$(grep -c '^verdict' <<< "$output")" -eq 30 ]
	alive "$b" "$bs"
}

@test "cooldown records are printed only with -v" {
	victim; local a=$VPID as=$VSTART
	victim; local b=$VPID bs=$VSTART
	run --separate-stderr foom-kill -f -o pid,result <<-EOF
	victim scope=node pid=$a start=$as
	victim scope=node pid=$b start=$bs
	EOF
	[ "$status" -eq 1 ]
	[ "$output" = "$a	killed" ]
	alive "$b" "$bs"
}

@test "follow mode: victim records with --pass, other records copied in order" {
	victim
	run --separate-stderr foom-kill -f --pass <<-EOF
	sample ts=1.000 scope=node avail_kb=10
	verdict ts=1.000 scope=node level=near-oom risk=0.9
	victim ts=1.001 scope=node rank=1 pid=$VPID start=$VSTART comm=kvictim rule="prefer name=kv" trigger_ts=1.000
	sample ts=2.000 scope=node avail_kb=500
	EOF
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "sample ts=1.000 scope=node avail_kb=10" ]
	[ "${lines[1]}" = "verdict ts=1.000 scope=node level=near-oom risk=0.9" ]
	[ "${lines[2]}" = "victim ts=1.001 scope=node rank=1 pid=$VPID start=$VSTART comm=kvictim rule=\"prefer name=kv\" trigger_ts=1.000" ]
	[[ ${lines[3]} == "kill ts="*" scope=node pid=$VPID start=$VSTART comm=kvictim signal=SIGKILL result=killed "*" trigger_ts=1.000 rule=\"prefer name=kv\" procs=1" ]]
	[ "${lines[4]}" = "sample ts=2.000 scope=node avail_kb=500" ]
	dead "$VPID" "$VSTART"
}

@test "invariant 3: malformed lines: a message naming the line, nothing killed, exit 2" {
	victim
	run --separate-stderr foom-kill -f <<-EOF
	victim pid=$VPID start="$VSTART
	victim pid=$VPID
	victim pid=x$VPID start=$VSTART
	victim pid=$VPID start=-$VSTART
	victim pid=$VPID start=$VSTART evidence_ts=soon
	EOF
	[ "$status" -eq 2 ]
	[[ $stderr == *"foom-kill: -:1: bad record: unterminated quoted value of 'start'"* ]]
	[[ $stderr == *"foom-kill: -:2: bad victim: no start (never killed without its start time)"* ]]
	[[ $stderr == *"foom-kill: -:3: bad victim: pid is not a process ID"* ]]
	[[ $stderr == *"foom-kill: -:4: bad victim: start is not a number of clock ticks"* ]]
	[[ $stderr == *"foom-kill: -:5: bad victim: evidence_ts is not a time"* ]]
	[[ $output != *"kill ts="* ]]
	alive "$VPID" "$VSTART"
}

@test "invariant 3: after a malformed line the stream goes on" {
	victim
	run --separate-stderr foom-kill -f <<-EOF
	victim pid=$VPID start=
	this is not a record
	victim pid=$VPID start=$VSTART
	EOF
	[ "$status" -eq 2 ]
	[[ $stderr == *"foom-kill: -:2: bad record: "* ]]
	[[ $output == *" pid=$VPID start=$VSTART comm=kvictim signal=SIGKILL result=killed "* ]]
	dead "$VPID" "$VSTART"
}

@test "invariant 5: no fork or exec between reading a victim and its signal" {
	command -v strace >/dev/null || skip "no strace (make deps installs it)"
	victim
	echo "victim scope=node pid=$VPID start=$VSTART" > "$T/in"
	run strace -f -qq -e trace=process,process_mrelease -o "$T/trace" foom-kill -f "$T/in"
	[ "$status" -eq 0 ]
	[[ $output == *" result=killed "* ]]
	dead "$VPID" "$VSTART"
	cat "$T/trace"
	grep -q "pidfd_send_signal(.*SIGKILL" "$T/trace"
	# and process_mrelease right after the SIGKILL
	grep -A1 "pidfd_send_signal(.*SIGKILL" "$T/trace" | grep -q "process_mrelease("
	[ "$(grep -c 'execve(' "$T/trace")" -eq 1 ]
	head -1 "$T/trace" | grep -q 'execve('
	! grep -Eq '(clone|clone3|fork|vfork)\(' "$T/trace"
}

@test "hooks see their environment" {
	victim
	run foom-kill --pre-hook "env | grep ^FOOM_ | sort > $T/pre" \
		--post-hook "env | grep ^FOOM_ | sort > $T/post" "$VPID:$VSTART"
	[ "$status" -eq 0 ]
	[[ $output == *" result=killed "* ]]
	grep -qx "FOOM_PID=$VPID" "$T/pre"
	grep -qx "FOOM_START=$VSTART" "$T/pre"
	grep -qx "FOOM_COMM=kvictim" "$T/pre"
	grep -qx "FOOM_HOOK=pre" "$T/pre"
	grep -q "^FOOM_SCOPE=" "$T/pre"
	grep -Eqx "FOOM_RSS_KB=[0-9]+" "$T/pre"
	! grep -q "^FOOM_RESULT=" "$T/pre"
	grep -qx "FOOM_RESULT=killed" "$T/post"
	grep -qx "FOOM_HOOK=post" "$T/post"
	grep -qx "FOOM_PID=$VPID" "$T/post"
}

@test "hooks time out, and what they started is killed with them" {
	victim
	run foom-kill --hook-timeout 2 \
		--pre-hook "echo \$\$ > $T/hook.pid; sleep 60 & echo \$! > $T/sleep.pid; wait" \
		"$VPID:$VSTART"
	[ "$status" -eq 0 ]
	[[ $output == *"foom-kill: pre-hook 'echo"*"' timed out after 2 s: killed"* ]]
	[[ $output == *" result=killed "* ]]
	dead "$VPID" "$VSTART"
	! [ -d "/proc/$(cat "$T/hook.pid")" ]
	local s
	s=$(cat "$T/sleep.pid")
	! [ "$(cat "/proc/$s/comm" 2>/dev/null)" = sleep ] || [ "$(state_of "$s")" = Z ]
}

@test "a slow pre-hook does not hold the signal: the victim dies while it still runs" {
	victim
	foom-kill --hook-timeout 60 \
		--pre-hook "echo \$\$ > $T/hook.pid; while [ ! -e $T/go ]; do sleep 0.01; done" \
		"$VPID:$VSTART" > "$T/out" 2>&1 &
	local fk=$! i
	for i in $(seq 1000); do
		dead "$VPID" "$VSTART" && break
		sleep 0.01
	done
	dead "$VPID" "$VSTART"
	# The hook has not finished: it waits for us.
	[ -d "/proc/$(cat "$T/hook.pid")" ]
	touch "$T/go"
	wait "$fk"
	[[ $(cat "$T/out") == *" result=killed "* ]]
}

@test "post-hooks delay nothing: the next victim dies while the first post-hook runs" {
	victim; local a=$VPID as=$VSTART
	victim; local b=$VPID bs=$VSTART
	printf 'victim scope=node pid=%s start=%s\n' "$a" "$as" "$b" "$bs" > "$T/in"
	foom-kill -f --cooldown 0 --hook-timeout 60 -o pid,result \
		--post-hook "echo \$\$ >> $T/hook.pids; while [ ! -e $T/go ]; do sleep 0.01; done" \
		< "$T/in" > "$T/out" 2> "$T/err" &
	local fk=$! i
	for i in $(seq 1000); do
		dead "$b" "$bs" && break
		sleep 0.01
	done
	dead "$a" "$as"
	dead "$b" "$bs"
	[ -d "/proc/$(head -1 "$T/hook.pids")" ]
	touch "$T/go"
	wait "$fk"
	[ "$(cat "$T/out")" = "$a	killed
$b	killed" ]
}

@test "a hook runs with oom_score_adj 0 and no locked memory, whatever foom-kill holds" {
	victim
	echo "victim scope=node pid=$VPID start=$VSTART" > "$T/in"
	# foom-kill's own adjustment, raised so that any inheritance shows
	# (lowering it to -1000 needs CAP_SYS_RESOURCE, which it may lack).
	run --separate-stderr sh -c 'echo 500 > /proc/self/oom_score_adj && exec foom-kill -f "$@" < "$0"' "$T/in" \
		--pre-hook "cat /proc/self/oom_score_adj > $T/adj; grep VmLck /proc/self/status > $T/lck
			kp=\$(awk '\$1 == \"PPid:\" { print \$2 }' /proc/\$PPID/status)
			grep VmLck /proc/\$kp/status > $T/fklck"
	[ "$status" -eq 0 ]
	dead "$VPID" "$VSTART"
	[ "$(cat "$T/adj")" = 0 ]
	[[ $(cat "$T/lck") =~ ^VmLck:[[:space:]]+0\ kB$ ]]
	# The premise: foom-kill itself has its memory locked (ASan makes
	# mlockall a no-op, so not on the sanitizer build).
	if [ -z "${FOOM_SANITIZED:-}" ]; then
		! [[ $(cat "$T/fklck") =~ ^VmLck:[[:space:]]+0\ kB$ ]]
	fi
}

@test "--log appends every record as logfmt, one line each" {
	victim; local a=$VPID as=$VSTART
	victim; local b=$VPID bs=$VSTART
	echo "kept line" > "$T/kills.log"
	run foom-kill -j --log "$T/kills.log" "$a:$as"
	[ "$status" -eq 0 ]
	[[ $output == '{"record":"kill"'* ]]
	run foom-kill --log "$T/kills.log" "$b:$((bs + 1))"
	[ "$status" -eq 1 ]
	[ "$(wc -l < "$T/kills.log")" -eq 3 ]
	[ "$(sed -n 1p "$T/kills.log")" = "kept line" ]
	[[ $(sed -n 2p "$T/kills.log") == "kill ts="*" pid=$a start=$as comm=kvictim signal=SIGKILL result=killed "* ]]
	[[ $(sed -n 3p "$T/kills.log") == "kill ts="*" pid=$b start=$((bs + 1)) comm=kvictim result=stale "* ]]
}

@test "stdout closed before the kill: victim killed, the log has its record, exit 0" {
	victim
	echo "victim scope=node pid=$VPID start=$VSTART" > "$T/in"
	# The reader closes its end first; only then does the victim come.
	run --separate-stderr bash -c '
		{ while [ ! -e "$1/gone" ]; do sleep 0.01; done; cat "$1/in"; } |
			foom-kill -f --log "$1/kills.log" |
			{ exec 0<&-; touch "$1/gone"; }
		echo "status ${PIPESTATUS[1]}"' _ "$T"
	[ "$output" = "status 0" ]
	[[ $stderr == *"foom-kill: stdout was closed: kill records go on to the log only"* ]]
	dead "$VPID" "$VSTART"
	[ "$(wc -l < "$T/kills.log")" -eq 1 ]
	[[ $(cat "$T/kills.log") == "kill ts="*" pid=$VPID start=$VSTART comm=kvictim signal=SIGKILL result=killed "* ]]
}

@test "a stalled reader of stdout delays no kill: both victims killed, both logged" {
	victim; local a=$VPID as=$VSTART
	victim; local b=$VPID bs=$VSTART
	printf 'victim scope=node pid=%s start=%s\n' "$a" "$as" "$b" "$bs" > "$T/in"
	mkfifo "$T/out"
	# Held open for reading, never read, and filled up.
	exec 4<>"$T/out"
	dd if=/dev/zero of="$T/out" bs=4096 count=64 oflag=nonblock 2>/dev/null || true
	foom-kill -f --cooldown 0 --log "$T/kills.log" < "$T/in" > "$T/out" 2> "$T/err" 4<&- &
	local fk=$! i
	for i in $(seq 1000); do
		[ "$(wc -l < "$T/kills.log" 2>/dev/null)" = 2 ] && break
		sleep 0.01
	done
	dead "$a" "$as"
	dead "$b" "$bs"
	[[ $(sed -n 1p "$T/kills.log") == *" pid=$a start=$as "*" result=killed "* ]]
	[[ $(sed -n 2p "$T/kills.log") == *" pid=$b start=$bs "*" result=killed "* ]]
	# The reader goes away: what stdout held back is lost, the status is
	# the kills'.
	exec 4<&-
	local st=0
	wait "$fk" || st=$?
	cat "$T/err"
	[ "$st" -eq 0 ]
	grep -q "foom-kill: stdout was closed: kill records go on to the log only" "$T/err"
}

@test "a stalled reader loses whole records only, counted and warned about once" {
	victim; local a=$VPID as=$VSTART
	victim; local b=$VPID bs=$VSTART
	local pad i
	pad=$(printf '%0200d' 0)
	{
		echo "victim scope=node pid=$a start=$as"
		for i in $(seq 3000); do echo "sample ts=$i.000 scope=node pad=$pad end=1"; done
		echo "victim scope=node pid=$b start=$bs"
	} > "$T/in"
	mkfifo "$T/out"
	exec 4<>"$T/out"
	yes 0123456789abcde | dd of="$T/out" bs=4096 count=64 iflag=fullblock oflag=nonblock 2>/dev/null || true
	foom-kill -f --pass --cooldown 0 --log "$T/kills.log" < "$T/in" > "$T/out" 2> "$T/err" 4<&- &
	local fk=$!
	for i in $(seq 1000); do
		[ "$(wc -l < "$T/kills.log" 2>/dev/null)" = 2 ] && break
		sleep 0.01
	done
	dead "$a" "$as"
	dead "$b" "$bs"
	[ "$(wc -l < "$T/kills.log")" -eq 2 ]
	# Now a reader that takes everything.
	exec 5<"$T/out"
	exec 4<&-
	cat <&5 > "$T/got"
	exec 5<&-
	local st=0
	wait "$fk" || st=$?
	cat "$T/err"
	[ "$st" -eq 0 ]
	# Nothing but whole lines: the filler, and whole records.
	! grep -Ev '^(0123456789abcde|sample ts=[0-9]+\.000 scope=node pad=0+ end=1|victim scope=node pid=[0-9]+ start=[0-9]+|kill ts=.* result=killed .*)$' "$T/got"
	local got dropped
	got=$(grep -cv '^0123456789abcde$' "$T/got")
	[ "$(grep -c 'records are dropped' "$T/err")" -eq 1 ]
	dropped=$(sed -n 's/^foom-kill: \([0-9]*\) records dropped from stdout$/\1/p' "$T/err")
	[ "$dropped" -gt 0 ]
	[ $((got + dropped)) -eq 3004 ]
}

@test "--syslog sends each record to /dev/log" {
	[ "$(id -u)" = 0 ] || skip "needs root for a private mount namespace"
	command -v unshare >/dev/null || skip "no unshare"
	command -v python3 >/dev/null || skip "no python3 to listen on /dev/log"
	unshare -m true 2>/dev/null || skip "cannot make a mount namespace here"
	victim
	cat > "$T/listen.py" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind("/dev/log")
	open(sys.argv[1] + ".up", "w").close()
	s.settimeout(20)
	with open(sys.argv[1], "w") as f:
	    for _ in range(int(sys.argv[2])):
	        f.write(s.recv(65536).decode() + "\n")
	        f.flush()
	EOF
	# A private /dev: the real entries as symlinks, and our own log socket.
	cat > "$T/ns.sh" <<-'EOF'
	set -eu
	T=$1 VPID=$2 VSTART=$3
	mount --make-rprivate /
	mkdir "$T/olddev"
	mount --rbind /dev "$T/olddev"
	mount -t tmpfs tmpfs /dev
	for e in "$T"/olddev/* "$T"/olddev/.[!.]*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		[ "${e##*/}" != log ] || continue
		ln -s "$e" "/dev/${e##*/}"
	done
	python3 "$T/listen.py" "$T/syslog" 2 &
	i=0
	while [ ! -e "$T/syslog.up" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
	foom-kill --syslog "$VPID:$((VSTART + 1))" "$VPID:$VSTART" || true
	wait
	EOF
	run unshare -m sh "$T/ns.sh" "$T" "$VPID" "$VSTART"
	[ "$status" -eq 0 ]
	dead "$VPID" "$VSTART"
	cat "$T/syslog"
	[[ $(sed -n 1p "$T/syslog") =~ ^'<29>'[A-Z][a-z][a-z]\ [\ 0-9][0-9]\ [0-9:]{8}\ foom-kill\[[0-9]+\]:\ kill\ ts=.*\ pid=$VPID\ .*result=stale ]]
	[[ $(sed -n 2p "$T/syslog") =~ ^'<28>'.*\ foom-kill\[[0-9]+\]:\ kill\ ts=.*\ pid=$VPID\ start=$VSTART\ .*result=killed ]]
}

@test "denied: the kernel refuses the signal" {
	command -v setpriv >/dev/null || skip "no setpriv"
	[ "$(id -u)" = 0 ] || skip "needs root to drop to another user"
	victim
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$(command -v foom-kill)" -o result,reason "$VPID:$VSTART"
	[ "$status" -eq 1 ]
	[ "$output" = "denied	Operation not permitted" ]
	alive "$VPID" "$VSTART"
}

@test "exit 2: a bad operand kills nothing" {
	victim
	run foom-kill "$VPID:$VSTART" "12x"
	[ "$status" -eq 2 ]
	[ "$output" = "foom-kill: '12x' is not PID or PID:START" ]
	alive "$VPID" "$VSTART"
}

@test "exit 2: bad options" {
	run foom-kill --grace 1 --signal TERM 123
	[ "$status" -eq 2 ]
	[[ $output == *"--grace sends TERM then KILL: not with --signal"* ]]
	run foom-kill --signal NOPE 123
	[ "$status" -eq 2 ]
	[[ $output == *"--signal: 'NOPE' is not a signal"* ]]
	run foom-kill --wait soon 123
	[ "$status" -eq 2 ]
	[[ $output == *"--wait: 'soon' is not a number of seconds"* ]]
	run foom-kill --pre-hook-wait 2 123
	[ "$status" -eq 2 ]
	[[ $output == *"--pre-hook-wait: '2' is not a number of seconds (0 to 1)"* ]]
	run foom-kill
	[ "$status" -eq 2 ]
	[[ $output == *"no PID given"* ]]
}

@test "exit 3: system errors (no /proc root, no log file)" {
	victim
	run foom-kill --proc "$T/none" "$VPID:$VSTART"
	[ "$status" -eq 3 ]
	[[ $output == *"foom-kill: cannot open '$T/none': No such file or directory"* ]]
	run foom-kill --log "$T/none/kills.log" "$VPID:$VSTART"
	[ "$status" -eq 3 ]
	[[ $output == *"foom-kill: cannot open '$T/none/kills.log': No such file or directory"* ]]
	alive "$VPID" "$VSTART"
}

@test "exit 1 when any one victim was not killed, 0 when all were" {
	victim; local a=$VPID as=$VSTART
	victim; local b=$VPID bs=$VSTART
	run foom-kill -o pid,result "$a:$as" "$b:$((bs + 1))"
	[ "$status" -eq 1 ]
	[ "$output" = "$a	killed
$b	stale" ]
	run foom-kill -o pid,result "$b:$bs"
	[ "$status" -eq 0 ]
}

@test "invariant 2: -g applies every refusal to every member: protect rules, a container's PID 1" {
	[ "$(id -u)" = 0 ] || skip "live test: needs root for a PID namespace"
	command -v unshare > /dev/null || skip "no unshare(1)"
	cp "$(command -v sleep)" "$T/protectme"
	cp "$(command -v sleep)" "$T/worker"
	setsid sh -c '"$0/worker" 300 & "$0/protectme" 300 & unshare -p -f sleep 300 & wait' "$T" &
	local i w p u n
	for i in $(seq 500); do
		w=$(pgrep -xf "$T/worker 300" || true)
		p=$(pgrep -xf "$T/protectme 300" || true)
		u=$(pgrep -xf "unshare -p -f sleep 300" || true)
		n=$( [ -n "$u" ] && pgrep -P "$u" || true)
		[ -n "$w" ] && [ -n "$p" ] && [ -n "$n" ] && break
		sleep 0.01
	done
	[ -n "$w" ] && [ -n "$p" ] && [ -n "$n" ]
	[ "$(awk '$1 == "NSpid:" { print $NF }' /proc/$n/status)" = 1 ]
	run foom-kill -g --protect 'name=^protectme$' -o result,procs,reason "$w:$(start_of "$w")"
	kill -0 "$p"; pk=$?
	kill -0 "$n"; nk=$?
	kill "$p" "$n" "$u" 2>/dev/null || :
	[ "$status" -eq 0 ]
	# the worker, the unshare beside it and the group's shell; protectme
	# and the container's init spared
	[ "$output" = "$(printf 'killed\t3\t2 protected processes spared')" ]
	[ "$pk" -eq 0 ] && [ "$nk" -eq 0 ]
}

@test "a second foom-kill -f on the host is refused while one holds the lock" {
	mkfifo "$T/in"
	FOOM_KILL_LOCK=$T/lock foom-kill -f < "$T/in" &
	local first=$!
	exec 5> "$T/in"
	for i in $(seq 500); do
		[ -e "$T/lock" ] && ! flock -n "$T/lock" true && break
		sleep 0.01
	done
	run env FOOM_KILL_LOCK="$T/lock" foom-kill -f /dev/null
	exec 5>&-
	wait "$first"
	[ "$status" -eq 3 ]
	[[ "$output" == *"another foom-kill -f holds '$T/lock'"* ]]
	# -n decides nothing for real: it takes no lock
	FOOM_KILL_LOCK=$T/lock foom-kill -f -n /dev/null
}
