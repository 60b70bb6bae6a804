#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# foom-events: kernel OOM reports of every log format and kernel family,
# foom-kill records, one timeline; the table and the summary; -f.

load helper

EV=$FIX/events
export TZ=UTC

# Every fixture log and its golden events (syslog dates in 2026).
golden() {
	local name=$1 src=$EV/$1.log
	foom-events --year 2026 --pods-dir "$EV/pods" "$src" \
		> "$BATS_TEST_TMPDIR/got" 2> "$BATS_TEST_TMPDIR/err"
	assert_golden "$EV/$name.want" "$BATS_TEST_TMPDIR/got"
}

# The warnings a follow-mode stage may give where it is not allowed to
# harden itself (no CAP_IPC_LOCK or CAP_SYS_RESOURCE); nothing else.
only_harden_warnings() {
	! grep -v -e 'cannot lock memory' -e 'cannot set oom_score_adj' "$1"
}

@test "events: 6.x memory cgroup OOM of a pod (dmesg): pod scope, reaper, largest" {
	golden dmesg-6x-memcg-pod
	grep -q ' scope=pod:shop/checkout-7d9f8b6c5-x2x9q cgroup=/kubepods.slice/' "$BATS_TEST_TMPDIR/got"
	grep -q ' largest=48213:python3:785608,48011:gunicorn:251240,48214:python3:16084 reaped=1$' "$BATS_TEST_TMPDIR/got"
}

@test "events: without the pod in the pods dir the scope is the cgroup" {
	foom-events --pods-dir "$BATS_TEST_TMPDIR/none" "$EV/dmesg-6x-memcg-pod.log" \
		> "$BATS_TEST_TMPDIR/got" 2>/dev/null
	grep -q '^event kind=memcg-oom scope=cgroup:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6f1d2c3a_8b4e_4f0a_9c1d_2e3f4a5b6c7d.slice uptime_s=' "$BATS_TEST_TMPDIR/got"
	! grep -q ' cgroup=' "$BATS_TEST_TMPDIR/got"
}

@test "events: 6.x global OOM (dmesg): node scope, the victim is not the largest" {
	golden dmesg-6x-global
	grep -q ' largest=2201:java:9600492,5120:node:4401824,5133:node:800444$' "$BATS_TEST_TMPDIR/got"
}

@test "events: 5.4 cgroup v1 OOM (dmesg -T): memory+swap and kmem, no-limit left out" {
	golden dmesg-T-5.4-memcg-v1
	grep -q ' usage_kb=524288 limit_kb=524288 failcnt=48213 memsw_usage_kb=524288 memsw_failcnt=0 kmem_usage_kb=3120 kmem_failcnt=0 ' "$BATS_TEST_TMPDIR/got"
}

@test "events: a real 6.18 report (this test host, cgroup v1 memcg), as dmesg printed it" {
	golden real-6.18-memcg-v1
	grep -q ' usage_kb=65536 limit_kb=65536 failcnt=19 memsw_usage_kb=65536 memsw_failcnt=0 kmem_usage_kb=188 kmem_failcnt=0 tasks=1 largest=18992:tail:66884$' "$BATS_TEST_TMPDIR/got"
}

@test "events: 4.19 memory cgroup OOM (journalctl -k): Task in, Kill process ... score" {
	golden journal-4.19-memcg
}

@test "events: 4.19 global OOM (journalctl -o short-iso): nodemask=, sacrifice child" {
	golden journal-iso-4.19-global
}

@test "events: 5.10 memory.oom.group (kern.log): group kills counted, the victim once" {
	golden kern
	grep -q ' oom_group=/system.slice/batch.service group_killed=3 group_rss_kb=1170176 group=9100:batchd,9101:worker,9102:worker reaped=1$' "$BATS_TEST_TMPDIR/got"
}

@test "events: raw kmsg records: escapes undone, dict lines skipped, reaper of another caller" {
	golden kmsg
	grep -q 'largest=7001:hog:508928,6990:sh\\x:3600 reaped=1$' "$BATS_TEST_TMPDIR/got"
}

@test "events: two tasks' reports interleaved line by line, told apart by caller id" {
	golden interleaved-caller
	[ "$(wc -l < "$BATS_TEST_TMPDIR/got")" -eq 2 ]
}

@test "events: two hosts' reports interleaved in one syslog, told apart by host" {
	golden two-hosts
}

@test "events: a cut report is partial=1; a new header ends an unfinished one" {
	golden truncated
	[ "$(grep -c ' partial=1$' "$BATS_TEST_TMPDIR/got")" -eq 2 ]
}

@test "events: kill lines without their report (rate-limited) are events, partial" {
	golden lone-kills
}

@test "events: no killable process: result=panic" {
	golden panic
}

@test "events: the same report reads the same in every format" {
	# the pod report, rewritten as dmesg -T, journalctl, kern.log and kmsg
	local f
	f=$BATS_TEST_TMPDIR
	sed -n 's/^\[ *\([0-9.]*\)\] \(.*\)/\2/p' "$EV/dmesg-6x-memcg-pod.log" > "$f/text"
	sed 's/^/[Sun Nov 22 15:20:34 2026] /' "$f/text" > "$f/T.log"
	sed 's/^/Nov 22 15:20:34 node-1 kernel: /' "$f/text" > "$f/journal.log"
	sed 's/^/2026-11-22T15:20:34+0000 node-1 kernel: [10234.568460] /' "$f/text" > "$f/kern.log"
	awk '{ printf "6,%d,10234568460,-;%s\n", NR, $0 }' "$f/text" > "$f/kmsg.log"
	# journalctl -o short-monotonic, and -k in a Japanese locale
	sed 's/^/[10234.568460] node-1 kernel: /' "$f/text" > "$f/mono.log"
	sed 's/^/11月 22 15:20:34 node-1 kernel: /' "$f/text" > "$f/ja.log"
	for x in T journal kern kmsg mono ja; do
		foom-events --year 2026 --pods-dir "$EV/pods" "$f/$x.log" 2>/dev/null |
			sed 's/ ts=[^ ]*//; s/ host=[^ ]*//; s/ uptime_s=[^ ]*//' > "$f/$x.out"
	done
	sed 's/ uptime_s=[^ ]*//' "$EV/dmesg-6x-memcg-pod.want" > "$f/want"
	for x in T journal kern kmsg mono ja; do assert_golden "$f/want" "$f/$x.out"; done
	foom-events --year 2026 "$f/ja.log" | grep -q '^event ts=1795360834.000 '
	foom-events --year 2026 "$f/mono.log" | grep -q ' host=node-1 uptime_s=10234.568460 ' 
	foom-events --year 2026 "$f/T.log" | grep -q '^event ts=1795360834.000 '
	foom-events --year 2026 "$f/kern.log" | grep -q '^event ts=1795360834.000 .* host=node-1 uptime_s=10234.568460 '
}

# Real reports from public pastes (tests/fixtures/events/README.md).

@test "events: 3.10 syslog with an empty host (two spaces): the whole report is read" {
	golden real-3.10-syslog-nohost
	grep -q '^event ts=1773141557.000 kind=memcg-oom scope=cgroup:/cgroup-test result=killed pid=3691 comm=stress-ng-vm rss_kb=99972 ' "$BATS_TEST_TMPDIR/got"
	grep -q ' invoker=stress-ng-vm invoker_pid=3691 ' "$BATS_TEST_TMPDIR/got"
	! grep -q host= "$BATS_TEST_TMPDIR/got"
}

@test "events: 3.10 kill line without shmem-rss: rss_kb is anon + file" {
	golden real-3.10-syslog-nohost
	[ "$(grep -c ' rss_kb=99972 anon_rss_kb=292 file_rss_kb=99680 total_vm_kb=261124 ' "$BATS_TEST_TMPDIR/got")" -eq 2 ]
	! grep -q shmem_rss_kb "$BATS_TEST_TMPDIR/got"
}

@test "events: a fragment whose header was cut takes its scope from the stats line" {
	golden real-3.10-dmesg-T-fragment
	grep -q '^event ts=1512605115.000 kind=memcg-oom scope=cgroup:/kubepods/pod95387fa4-da9c-11e7-9d36-5254b24cbf5e/6895a3e13439535852d3184ac2aadd26d7363cc035f171545ec7d4ce74073b0b result=killed pid=28438 comm=java rss_kb=479844 ' "$BATS_TEST_TMPDIR/got"
}

@test "events: dmesg -T in Japanese: the date is read, the invoker is only its name" {
	golden real-ja-dmesg-T-global
	grep -q '^event ts=1769392181.000 kind=kernel-oom scope=node result=killed pid=1888 comm=astar-collator ' "$BATS_TEST_TMPDIR/got"
	grep -q ' invoker=systemd ' "$BATS_TEST_TMPDIR/got"
	! grep -q '月' "$BATS_TEST_TMPDIR/got"
}

@test "events: dmesg -T in Chinese: the oom-kill line gives scope and victim cgroup" {
	golden real-zh-dmesg-T-memcg
	grep -q '^event ts=1725343068.000 kind=memcg-oom scope=cgroup:/kubepods/burstable/pod28fcb1a0-a45c-44e7-b9bf-e3b9360bedba result=killed pid=50624 ' "$BATS_TEST_TMPDIR/got"
	grep -q ' constraint=memcg partial=1$' "$BATS_TEST_TMPDIR/got"
}

@test "events: a date in words no reader knows: unread_time, a hint, and the rest read" {
	# the Japanese report with a French date (only the prefix changed)
	golden built-fr-dmesg-T-global
	grep -q '^event kind=kernel-oom scope=node unread_time="lun. janv. 26 01:49:41 2026" result=killed pid=1888 ' "$BATS_TEST_TMPDIR/got"
	grep -q ' invoker=systemd ' "$BATS_TEST_TMPDIR/got"
	grep -q 'cannot be read as a time: unread_time=' "$BATS_TEST_TMPDIR/err"
}

@test "events: 2.6.32's kill line 'Killed process N, UID N, (name)'" {
	golden real-2.6.32-syslog
	grep -q ' host=server1 uptime_s=2858609.598568 result=killed pid=11726 comm=mysqld uid=498 rss_kb=2540036 anon_rss_kb=2539268 file_rss_kb=768 total_vm_kb=7823732 partial=1$' "$BATS_TEST_TMPDIR/got"
}

@test "events: 2.6.32's header: the invoker's pid from its 'Pid: N, comm:' line" {
	golden real-2.6.32-dmesg-header
	grep -q ' invoker=mysqld invoker_pid=1319 gfp_mask=0x201da order=0 partial=1$' "$BATS_TEST_TMPDIR/got"
}

@test "events: RHEL 7's kill line 'Killed process N (name), UID N,'" {
	golden real-3.10-rhel-uid-kills
	[ "$(grep -c ' result=killed pid=424[0-9][0-9] comm=memcg_test_1 uid=0 ' "$BATS_TEST_TMPDIR/got")" -eq 5 ]
}

@test "events: journalctl -o short-precise with the host redacted" {
	golden real-journal-precise-redacted
	grep -q '^event ts=1788073135.051 kind=memcg-oom scope=cgroup:/lxc.payload....-lxc/kubepods.slice/' "$BATS_TEST_TMPDIR/got"
}

@test "events: journal lines cut to 'kernel: text': the invoker is only its name" {
	golden real-6.17-journal-bare
	grep -q '^event kind=kernel-oom invoker=systemd invoker_pid=20957 ' "$BATS_TEST_TMPDIR/got"
}

@test "events: journalctl -o json: kernel entries read, others skipped, byte-array MESSAGE" {
	# the real 3.10 report as journald keeps it: the text in MESSAGE,
	# the time in __REALTIME_TIMESTAMP (its syslog date, in UTC)
	local f=$BATS_TEST_TMPDIR/journal.json
	sed 's/^Mar 10 11:19:17  kernel: //; s/^Mar 10 11:19:18  kernel: /+1 /' \
		"$EV/real-3.10-syslog-nohost.log" |
	awk '{ t = 1773141557; if (substr($0, 1, 3) == "+1 ") { t++; $0 = substr($0, 4) }
		gsub(/\\/, "\\\\"); gsub(/"/, "\\\"")
		if (NR == 3) printf "{ \"__REALTIME_TIMESTAMP\" : \"1773141557000001\", \"_TRANSPORT\" : \"stdout\", \"SYSLOG_IDENTIFIER\" : \"stress-ng\", \"MESSAGE\" : \"Killed process 1 (init) total-vm:1kB, anon-rss:1kB, file-rss:1kB\" }\n"
		if (NR == 4) { printf "{\"_TRANSPORT\":\"kernel\",\"__REALTIME_TIMESTAMP\":\"%d000000\",\"MESSAGE\":[", t
			for (i = 1; i <= length($0); i++) printf "%s%d", (i > 1 ? "," : ""), ord[substr($0, i, 1)]
			print "]}"; next }
		printf "{\"__REALTIME_TIMESTAMP\":\"%d000000\",\"_TRANSPORT\":\"kernel\",\"SYSLOG_IDENTIFIER\":\"kernel\",\"MESSAGE\":\"%s\"}\n", t, $0 }
		BEGIN { for (i = 32; i < 127; i++) ord[sprintf("%c", i)] = i }' > "$f"
	grep -q '"MESSAGE":\[' "$f"
	foom-events "$f" > "$BATS_TEST_TMPDIR/got"
	assert_golden "$EV/real-3.10-syslog-nohost.want" "$BATS_TEST_TMPDIR/got"
	# escapes undone: \u sequences, an escaped quote in a name
	printf '%s\n' '{"_TRANSPORT":"kernel","_HOSTNAME":"node-1","__REALTIME_TIMESTAMP":"1773141557000000","_SOURCE_MONOTONIC_TIMESTAMP":"12500000","MESSAGE":"Killed process 7 (a\"b\u00e9) total-vm:1kB, anon-rss:2kB, file-rss:3kB, shmem-rss:4kB"}' |
		foom-events > "$BATS_TEST_TMPDIR/esc"
	[ "$(cat "$BATS_TEST_TMPDIR/esc")" = 'event ts=1773141557.000 kind=kernel-oom host=node-1 uptime_s=12.500000 result=killed pid=7 comm="a\"bé" rss_kb=9 anon_rss_kb=2 file_rss_kb=3 shmem_rss_kb=4 total_vm_kb=1 partial=1' ]
}

@test "events: a file of OOM killer lines that gives no report is named, status 2" {
	# the 2.6.32 line behind a prefix of an unknown syslog layout
	run foom-events "$EV/built-unknown-prefix.log"
	[ "$status" -eq 2 ]
	[ "$output" = "foom-events: $EV/built-unknown-prefix.log:1: a line of the OOM killer, but no OOM report could be read from this file (an unknown log format?)" ]
	# the same lines among readable files: the others are still printed
	foom-events --year 2026 "$EV/real-2.6.32-syslog.log" "$EV/built-unknown-prefix.log" \
		> "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" || status=$?
	[ "${status:-0}" -eq 2 ]
	assert_golden "$EV/real-2.6.32-syslog.want" "$BATS_TEST_TMPDIR/out"
	grep -q "built-unknown-prefix.log:1: a line of the OOM killer" "$BATS_TEST_TMPDIR/err"
	! grep -q "real-2.6.32-syslog.log" "$BATS_TEST_TMPDIR/err"
}

@test "events: a hostile date prefix (control bytes, bad UTF-8, any length) reads back as a record" {
	local f=$BATS_TEST_TMPDIR/hostile.log
	{
		printf '[\377\376 \001 12:00:00 \033[2J] x invoked oom-killer: gfp_mask=0x0, order=0, oom_score_adj=0\n'
		printf '[%s 12:00:00] y invoked oom-killer: gfp_mask=0x0, order=0, oom_score_adj=0\n' "$(head -c 100000 /dev/zero | tr '\0' 'w')"
		printf '[Mon Feb 30 99:61:61 2026] z invoked oom-killer: gfp_mask=0x0, order=0, oom_score_adj=0\n'
	} > "$f"
	foom-events "$f" > "$BATS_TEST_TMPDIR/out" 2>/dev/null
	# the 100 KB line is cut before its text: no report, no crash
	[ "$(grep -c '^event ' "$BATS_TEST_TMPDIR/out")" -eq 2 ]
	grep -q ' invoker=x ' "$BATS_TEST_TMPDIR/out"
	grep -q '^event kind=kernel-oom unread_time="Mon Feb 30 99:61:61 2026" invoker=z ' "$BATS_TEST_TMPDIR/out"
	foom-events "$BATS_TEST_TMPDIR/out" > "$BATS_TEST_TMPDIR/again"
	assert_golden "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/again"
}

@test "events: --boot-time turns seconds since boot into ts" {
	run foom-events --boot-time 1795365000 "$EV/dmesg-6x-global.log"
	[ "$status" -eq 0 ]
	[ "${output%% kind=*}" = "event ts=1795373312.441" ]
}

@test "events: --this-boot takes the boot time from --proc's stat" {
	foom-events --this-boot --proc "$EV/proc" "$EV/kmsg.log" > "$BATS_TEST_TMPDIR/a"
	foom-events --boot-time 1795365000 "$EV/kmsg.log" > "$BATS_TEST_TMPDIR/b"
	assert_golden "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/a"
	grep -q '^event ts=1795374001.123 kind=memcg-oom scope=cgroup:/test/hog ' "$BATS_TEST_TMPDIR/a"
}

@test "events: without a boot time, uptime_s only and a hint on stderr" {
	foom-events "$EV/dmesg-6x-global.log" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err"
	! grep -q ' ts=' "$BATS_TEST_TMPDIR/out"
	grep -q 'boot time is unknown.*--boot-time' "$BATS_TEST_TMPDIR/err"
}

@test "events: --year dates syslog lines" {
	run foom-events --year 2025 "$EV/journal-4.19-memcg.log"
	[ "$status" -eq 0 ]
	[ "${output%% kind=*}" = "event ts=1763780531.000" ]
}

@test "events: --page-kb converts the task dump's pages" {
	run foom-events --page-kb 64 "$EV/kmsg.log"
	[ "$status" -eq 0 ]
	[[ "$output" == *" largest=7001:hog:8142848,6990:sh\\x:57600 "* ]]
	# the victim's own sizes come in kB from its kill line, unchanged
	[[ "$output" == *" rss_kb=508928 "* ]]
}

@test "events: sizes that add or multiply past 2^63-1 KiB saturate, never wrap negative" {
	# huge.log: a kill line's anon-rss and shmem-rss at LLONG_MAX kB, a
	# task dump row of LLONG_MAX and 2^61 pages, memory.oom.group kills
	golden huge
	grep -q ' rss_kb=9223372036854775807 ' "$BATS_TEST_TMPDIR/got"
	grep -q ' largest=7001:hog:9223372036854775807,7002:half:9223372036854775807 ' "$BATS_TEST_TMPDIR/got"
	grep -q ' group_rss_kb=9223372036854775807 ' "$BATS_TEST_TMPDIR/got"
	! grep -q '=-' "$BATS_TEST_TMPDIR/got"
}

@test "events: kernel and foom kills in one timeline, ordered by time" {
	cd "$EV"
	foom-events --year 2026 kern.log dmesg-T-5.4-memcg-v1.log foom.log journal-4.19-memcg.log \
		> "$BATS_TEST_TMPDIR/a"
	assert_golden timeline.want "$BATS_TEST_TMPDIR/a"
	# the order of the files does not matter
	foom-events --year 2026 foom.log journal-4.19-memcg.log dmesg-T-5.4-memcg-v1.log kern.log \
		> "$BATS_TEST_TMPDIR/b"
	assert_golden timeline.want "$BATS_TEST_TMPDIR/b"
	grep -q '^event ts=1795356301.250 kind=foom-kill scope=cgroup:/system.slice/batch.service pid=9101 start=440012 comm=worker signal=KILL result=killed rss_kb=590112 freed_kb=588000 elapsed_ms=4.1 trigger_ts=1795356301.120 rule="prefer name=worker"$' timeline.want
}

@test "events: printed events read back in give the same timeline" {
	cd "$EV"
	foom-events --year 2026 timeline.want > "$BATS_TEST_TMPDIR/a"
	assert_golden timeline.want "$BATS_TEST_TMPDIR/a"
}

@test "events: -t prints one row per kill for people" {
	cd "$EV"
	foom-events -t --year 2026 kern.log dmesg-T-5.4-memcg-v1.log foom.log journal-4.19-memcg.log \
		> "$BATS_TEST_TMPDIR/t"
	assert_golden timeline-table.want "$BATS_TEST_TMPDIR/t"
}

@test "events: --summary counts kills per scope and victim name" {
	cd "$EV"
	foom-events --summary --year 2026 kern.log dmesg-T-5.4-memcg-v1.log foom.log journal-4.19-memcg.log \
		> "$BATS_TEST_TMPDIR/s"
	assert_golden summary.want "$BATS_TEST_TMPDIR/s"
	foom-events --summary -t --year 2026 kern.log dmesg-T-5.4-memcg-v1.log foom.log journal-4.19-memcg.log \
		> "$BATS_TEST_TMPDIR/st"
	assert_golden summary-table.want "$BATS_TEST_TMPDIR/st"
}

@test "events: -j and -o carry the same record" {
	run foom-events -o kind,scope,pid,comm,partial "$EV/truncated.log"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf 'memcg-oom\tcgroup:/backup\t\t\t1')" ]
	[ "${lines[1]}" = "$(printf 'memcg-oom\tcgroup:/backup\t6200\ttar\t')" ]
	foom-events -j --year 2026 "$EV/kern.log" > "$BATS_TEST_TMPDIR/j"
	grep -q '^{"record":"event","ts":1795356307.000,"kind":"memcg-oom","scope":"cgroup:/system.slice/batch.service",' "$BATS_TEST_TMPDIR/j"
	if command -v jq >/dev/null; then
		[ "$(jq -r .group_killed "$BATS_TEST_TMPDIR/j")" = 3 ]
	fi
}

@test "events: garbage and binary input: no record, no crash; its kill line named, status 2" {
	run foom-events "$EV/garbage.bin"
	[ "$status" -eq 2 ]
	[ "$output" = "foom-events: $EV/garbage.bin:34: a line of the OOM killer, but no OOM report could be read from this file (an unknown log format?)" ]
	head -c 2000000 /dev/urandom > "$BATS_TEST_TMPDIR/random"
	run foom-events "$BATS_TEST_TMPDIR/random"
	[ "$status" -le 2 ]
}

@test "events: very long lines are cut, and the prefix of a kernel line still read" {
	local f=$BATS_TEST_TMPDIR/long.log
	{
		head -c 100000 /dev/zero | tr '\0' 'x'; echo
		sed -n '1,39p' "$EV/dmesg-6x-memcg-pod.log"
		# the kill line, with 30 KB of trailing junk
		sed -n '40p' "$EV/dmesg-6x-memcg-pod.log" | tr -d '\n'
		head -c 30000 /dev/zero | tr '\0' ' '; echo
		sed -n '41,$p' "$EV/dmesg-6x-memcg-pod.log"
	} > "$f"
	foom-events --pods-dir "$EV/pods" "$f" > "$BATS_TEST_TMPDIR/got" 2>/dev/null
	assert_golden "$EV/dmesg-6x-memcg-pod.want" "$BATS_TEST_TMPDIR/got"
}

@test "events: status 1 when the log holds no OOM report" {
	run foom-events "$EV/foom.log" /dev/null
	[ "$status" -eq 0 ]
	printf '[    1.000000] Linux version 6.1.0\n[    2.000000] EXT4-fs mounted\n' |
		{ run foom-events; [ "$status" -eq 1 ]; [ -z "$output" ]; }
}

@test "events: status 2 for a bad option, naming it" {
	run foom-events --boot-time yesterday "$EV/kmsg.log"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--boot-time wants seconds since the epoch, not 'yesterday'"* ]]
	run foom-events --year 26 "$EV/kmsg.log"
	[ "$status" -eq 2 ]
	run foom-events -f "$EV/kmsg.log"
	[ "$status" -eq 2 ]
	[[ "$output" == *"-f follows /dev/kmsg and takes no FILE"* ]]
	run foom-events --summary -f
	[ "$status" -eq 2 ]
}

@test "events: status 2 for a malformed kill record, named by file and line; the rest printed" {
	printf 'kill ts=1795382031.500 scope=node pid=7 comm="open\n' > "$BATS_TEST_TMPDIR/bad.log"
	foom-events --year 2026 "$EV/journal-4.19-memcg.log" "$BATS_TEST_TMPDIR/bad.log" \
		> "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" || status=$?
	[ "${status:-0}" -eq 2 ]
	grep -q "^foom-events: $BATS_TEST_TMPDIR/bad.log:1: bad record: unterminated quoted value of 'comm'$" "$BATS_TEST_TMPDIR/err"
	assert_golden "$EV/journal-4.19-memcg.want" "$BATS_TEST_TMPDIR/out"
}

@test "events: status 3 when a file cannot be read" {
	run foom-events "$EV/kmsg.log" "$BATS_TEST_TMPDIR/missing.log"
	[ "$status" -eq 3 ]
	[[ "$output" == *"foom-events: cannot open '$BATS_TEST_TMPDIR/missing.log': No such file or directory"* ]]
	run foom-events -f --kmsg "$BATS_TEST_TMPDIR/missing"
	[ "$status" -eq 3 ]
}

@test "events: -f prints each event as its report ends, and stops on SIGTERM" {
	local fifo=$BATS_TEST_TMPDIR/kmsg out=$BATS_TEST_TMPDIR/out st=0
	mkfifo "$fifo"
	foom-events -f --kmsg "$fifo" --proc "$EV/proc" > "$out" 2> "$BATS_TEST_TMPDIR/err" &
	local pid=$!
	exec 7> "$fifo"
	cat "$EV/kmsg.log" >&7
	# the report is finished once nothing came for 5 s: the stream stays open
	for _ in $(seq 150); do [ -s "$out" ] && break; sleep 0.1; done
	kill -0 "$pid"
	kill -TERM "$pid"
	wait "$pid" || st=$?
	exec 7>&-
	[ "$st" -eq 0 ]
	foom-events --boot-time 1795365000 "$EV/kmsg.log" > "$BATS_TEST_TMPDIR/want"
	assert_golden "$BATS_TEST_TMPDIR/want" "$out"
	only_harden_warnings "$BATS_TEST_TMPDIR/err"
}

@test "events: -f ends an open report when its stream ends" {
	local fifo=$BATS_TEST_TMPDIR/kmsg st=0
	mkfifo "$fifo"
	foom-events -f --kmsg "$fifo" --boot-time 1795365000 > "$BATS_TEST_TMPDIR/out" \
		2> "$BATS_TEST_TMPDIR/err" &
	local pid=$!
	head -n 18 "$EV/kmsg.log" > "$fifo"
	wait "$pid" || st=$?
	[ "$st" -eq 0 ]
	grep -q '^event ts=1795374001.122 kind=memcg-oom scope=cgroup:/test/hog uptime_s=9001.122334 invoker=hog .* partial=1$' "$BATS_TEST_TMPDIR/out"
}

@test "events: -f on /dev/kmsg starts, reads and stops cleanly" {
	[ -r /dev/kmsg ] || skip "cannot read /dev/kmsg"
	local st=0
	foom-events -f > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" &
	local pid=$!
	sleep 0.5
	# a line of our own, harmless: not an OOM report
	[ ! -w /dev/kmsg ] || echo "foom-events test $$: a marker, not an OOM report" > /dev/kmsg
	sleep 0.5
	kill -0 "$pid"
	kill -TERM "$pid"
	wait "$pid" || st=$?
	# 1 unless a real OOM kill happened on this host meanwhile
	[ "$st" -eq 1 ] || [ "$st" -eq 0 ]
	! grep -v '^event ' "$BATS_TEST_TMPDIR/out"
	only_harden_warnings "$BATS_TEST_TMPDIR/err"
}

@test "events: -f memory stays flat over thousands of reports" {
	local fifo=$BATS_TEST_TMPDIR/kmsg st=0 i
	mkfifo "$fifo"
	foom-events -f --kmsg "$fifo" --boot-time 1 > "$BATS_TEST_TMPDIR/out" \
		2> "$BATS_TEST_TMPDIR/err" &
	local pid=$!
	exec 7> "$fifo"
	# the kmsg report again and again, 10 s apart
	for i in 1 2; do
		awk -v from=$(((i - 1) * 1500)) 'BEGIN { FS = OFS = "," }
			{ l[NR] = $0 }
			END { for (n = from; n < from + 1500; n++)
				for (k = 1; k <= NR; k++) {
					$0 = l[k]
					if (substr($0, 1, 1) != " ")
						$3 = $3 + n * 10000000
					print
				} }' "$EV/kmsg.log" >&7
		sleep 1
		eval "rss$i=\$(awk '/^VmRSS/ { print \$2 }' /proc/$pid/status)"
	done
	exec 7>&-
	wait "$pid" || st=$?
	[ "$st" -eq 0 ]
	[ "$(grep -c '^event ' "$BATS_TEST_TMPDIR/out")" -ge 2000 ]
	echo "rss after 1500 reports: $rss1 kB, after 3000: $rss2 kB"
	[ "$rss2" -le $((rss1 + 64)) ]
}
