#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# bench/vm/score, the verdict of make vmcheck, on recorded runs made
# here (no VM is booted): who was killed, before what, and why a run
# fails.

load helper

SCORE=$TOP/bench/vm/score

# lat FILE T0 T1 US [STALL_FROM STALL_TO STALL_US]: reader lines every
# 10 ms from T0 to T1, each US long, STALL_US between the two stall times.
lat() {
	awk -v t0="$2" -v t1="$3" -v us="$4" -v s0="${5:-0}" -v s1="${6:-0}" -v sus="${7:-0}" 'BEGIN {
		t = t0
		while (t < t1) {
			l = (t >= s0 && t < s1) ? sus : us
			printf "%.6f\t%d\n", t, l
			t += l / 1e6 + 0.005
		}
	}' >> "$1"
}

# arm DIR NAME: the runner events of an arm (reader at 100, load at
# 110, end at 140); the caller adds lat lines, kills, dmesg.
arm() {
	local w=$1/$2
	mkdir -p "$w"
	printf '%s\t%s\t%s\t%s\t%s\n' \
		99.000 trace_start - - - \
		100.000 reader_start 10 reader - \
		110.000 misbehaviour_start 20 hog "hog hold 470 100" > "$w/events"
	: > "$w/dmesg"
	: > "$w/reader.lat"
	echo oom_kills=0 > "$w/oom"
}

end_arm() { # end_arm DIR NAME STOP_TS
	printf '%s\t%s\t%s\t%s\t%s\n' "$3" misbehaviour_stop 20 hog "status 137" \
		140.000 trace_end - - - >> "$1/$2/events"
}

# run SCENARIO: a recorded run of SCENARIO in $R: the kernel arm stalls
# from 112 s to the window's end; the foom arm (no kill yet) does not.
run_scenario() {
	R=$BATS_TEST_TMPDIR/$1
	mkdir -p "$R"
	echo "info scenario=$1 kernel=6.1.0-57-amd64 cgroup=v2 psi=1 mem_total_kb=723416 cpus=2" > "$R/info"
	arm "$R" kernel
	lat "$R/kernel/reader.lat" 100 140 1000 112 135 30000
	end_arm "$R" kernel 135.000
	arm "$R" foom
	lat "$R/foom/reader.lat" 100 140 1000
	: > "$R/foom/watch"
}

kill_rec() { # kill_rec TS PID COMM
	echo "kill ts=$1 scope=cgroup:/foom-trace pid=$2 start=1 comm=$3 signal=SIGKILL result=killed rss_kb=1 freed_kb=1" >> "$R/foom/watch"
}

@test "vm score: the culprit killed before the stall passes; the kernel arm records the stall" {
	run_scenario v2-hold
	kill_rec 111.500 20 hog
	end_arm "$R" foom 111.600
	run "$SCORE" "$R"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} == "vmcheck scenario=v2-hold kernel=6.1.0-57-amd64 cgroup=v2 psi=1 arm=kernel killed=- kill_s=- stall_onset_s=2."*" result=pass" ]]
	[[ ${lines[1]} == *" arm=foom killed=hog kill_s=1.5 stall_onset_s=- kernel_oom_kills=0 "*" result=pass" ]]
	# the stalled reader: ~30x its p50, a worst gap of one stalled read
	[[ ${lines[0]} == *" reader_worst_ms=3"* ]]
	# ~28 stalled iterations a second, ~166 healthy ones
	[[ ${lines[0]} == *" reader_min_ops_ps=28 "* ]]
	[[ ${lines[1]} == *" reader_min_ops_ps=16"?" "* ]]
}

@test "vm score: a kill after the reader stalled fails, naming both times" {
	run_scenario v2-hold
	: > "$R/foom/reader.lat"
	lat "$R/foom/reader.lat" 100 140 1000 112 118 30000
	kill_rec 118.000 20 hog
	end_arm "$R" foom 118.100
	run "$SCORE" "$R"
	[[ ${lines[1]} == *" arm=foom killed=hog kill_s=8.0 stall_onset_s=2."*" result=fail reason=\"the kill came at 8.0 s, not before 2."* ]]
}

@test "vm score: killing a process the policy does not name fails, so does signalling a protected one" {
	run_scenario v2-hold
	kill_rec 111.500 20 hog
	kill_rec 114.500 30 sleep
	kill_rec 115.000 10 reader
	end_arm "$R" foom 111.600
	run "$SCORE" "$R"
	[[ ${lines[1]} == *" killed=hog,sleep,reader "*"result=fail"* ]]
	[[ ${lines[1]} == *"killed sleep, which the policy does not name"* ]]
	[[ ${lines[1]} == *"signalled protected reader"* ]]
}

@test "vm score: the node policy's preferred victim first is allowed; a kill still exiting counts" {
	run_scenario node
	kill_rec 110.500 40 fluent-bit
	echo "kill ts=111.500 scope=node pid=20 start=1 comm=hog signal=SIGKILL result=timeout rss_kb=1 freed_kb=1 reason=\"1 still alive after 5 s\"" >> "$R/foom/watch"
	end_arm "$R" foom 111.600
	run "$SCORE" "$R"
	[[ ${lines[1]} == *" arm=foom killed=fluent-bit,hog kill_s=1.5 "*" result=pass" ]]
}

@test "vm score: a kernel OOM kill in the foom arm fails it; in the kernel arm it is the record" {
	run_scenario v2-runaway
	echo oom_kills=1 > "$R/foom/oom"
	echo "[ 50.1] Out of memory: Killed process 20 (hog) total-vm:1kB" > "$R/foom/dmesg"
	end_arm "$R" foom 111.600
	echo oom_kills=1 > "$R/kernel/oom"
	echo "[ 90.1] Out of memory: Killed process 20 (hog) total-vm:1kB" > "$R/kernel/dmesg"
	run "$SCORE" "$R"
	[[ ${lines[0]} == *" arm=kernel killed=hog kill_s=25.0 "*" kernel_oom_kills=1 "*" result=pass" ]]
	[[ ${lines[1]} == *" arm=foom killed=- kill_s=- "*"result=fail reason=\"foom did not kill hog; kernel OOM kills 1\""* ]]
}

@test "vm score: a healthy scenario passes only when nothing is killed" {
	run_scenario v2-healthy
	: > "$R/kernel/reader.lat"
	lat "$R/kernel/reader.lat" 100 140 1000
	end_arm "$R" foom 139.000
	kill_rec 115.000 20 hog
	run "$SCORE" "$R"
	[[ ${lines[0]} == *" arm=kernel killed=- "*" result=pass" ]]
	[[ ${lines[1]} == *" arm=foom killed=hog "*"result=fail reason=\"killed hog in a healthy scenario\""* ]]
}

@test "vm score: a kill scenario whose kernel arm never stalled proves nothing" {
	run_scenario v2-hold
	: > "$R/kernel/reader.lat"
	lat "$R/kernel/reader.lat" 100 140 1000
	end_arm "$R" foom 111.600
	run "$SCORE" "$R"
	[[ ${lines[0]} == *"result=fail reason=\"no stall and no OOM kill: the scenario did not reach near-OOM\""* ]]
	[[ ${lines[1]} == *"result=fail reason=\"foom did not kill hog (nor did the reader stall: the load did not reach near-OOM in this arm)\""* ]]
}

@test "vm score: a guest that did not boot, or an arm that did not finish, is a failure with its reason" {
	R=$BATS_TEST_TMPDIR/node
	mkdir -p "$R"
	echo 'SeaBIOS' > "$R/console.log"
	echo qemu_status=124 > "$R/host"
	run "$SCORE" "$R"
	[ "$output" = 'vmcheck scenario=node kernel= cgroup= psi= arm=- result=fail reason="the guest did not boot (timed out)"' ]
	run_scenario v2-hold
	echo 'error="the reader did not start"' >> "$R/info"
	rm "$R/foom/watch"
	printf '1.0\ttrace_start\t-\t-\t-\n' > "$R/foom/events"
	run "$SCORE" "$R"
	[[ ${lines[1]} == *' arm=foom result=fail reason="the reader did not start"' ]]
}

@test "vm score: the demo line carries make demo's verdict" {
	R=$BATS_TEST_TMPDIR/demo
	mkdir -p "$R/demo"
	printf 'info scenario=demo kernel=6.1.0-57-amd64 cgroup=v2 psi=1\ndemo_status=1\n' > "$R/info"
	printf 'FAILED: foom did not kill the hog\n' > "$R/demo/demo.out"
	run "$SCORE" "$R"
	[ "$output" = 'vmcheck scenario=demo kernel=6.1.0-57-amd64 cgroup=v2 psi=1 arm=foom result=fail reason="FAILED: foom did not kill the hog"' ]
}

@test "vm score: a victim queued while its kill was under way, reported gone, is no second kill" {
	run_scenario v2-hold
	kill_rec 111.500 20 hog
	echo "kill ts=111.900 scope=cgroup:/foom-trace pid=20 start=1 result=gone elapsed_ms=0.2 reason=\"no such process\"" >> "$R/foom/watch"
	end_arm "$R" foom 111.600
	run "$SCORE" "$R"
	[[ ${lines[1]} == *" arm=foom killed=hog kill_s=1.5 "*" result=pass" ]]
}
