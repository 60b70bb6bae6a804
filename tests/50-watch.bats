#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# foom-watch: its own options and wiring (fast, stand-in stages), then the
# whole pipeline on a real kernel: a real memory cgroup near its limit,
# a leaking hog and a protected reader (root and the cgroup v1 memory
# controller; skipped with the reason elsewhere).

load helper

setup_file() {
	# One data file for the live tests' readers, written once.
	if [ "$(id -u)" = 0 ]; then
		dd if=/dev/urandom of="$BATS_FILE_TMPDIR/data" bs=1M count=256 \
			conv=fsync status=none
		# A use-once stream needs no real data: reading a hole fills
		# the page cache like any read.
		truncate -s 2G "$BATS_FILE_TMPDIR/stream"
	fi
}

# Stand-in stages that print their arguments and pass lines on; the
# one named in $DIE exits 3 after $DIE_AFTER lines.
fake_stages() {
	FAKE=$BATS_TEST_TMPDIR/fake
	mkdir -p "$FAKE"
	cat > "$FAKE/foom-sample" <<-'EOF'
	#!/bin/sh
	echo "foom-sample $*" >> "$ARGS"
	# one write a line: the stages start at once and share the file
	w=$(printf ' <%s>' "$@"); printf 'foom-sample%s\n' "$w" >> "$WORDS"
	n=0
	while :; do
		n=$((n + 1))
		echo "sample ts=$n scope=node"
		[ "${DIE:-}" = foom-sample ] && [ $n -ge "${DIE_AFTER:-3}" ] && exit 3
		sleep 0.05
	done
	EOF
	for s in foom-predict foom-rank foom-kill; do
		cat > "$FAKE/$s" <<-EOF
		#!/bin/sh
		echo "$s \$*" >> "\$ARGS"
		w=\$(printf ' <%s>' "\$@"); printf '$s%s\\n' "\$w" >> "\$WORDS"
		[ -z "\${FEED:-}" ] || [ $s != foom-kill ] || { cat "\$FEED"; exit 3; }
		if [ "\${HANG:-}" = $s ]; then
			# passes HANG_AFTER lines, then hangs with its pipes open
			# (with HANG_HARD, deaf to SIGTERM too)
			head -n "\${HANG_AFTER:-3}"
			echo \$\$ > "\$WORDS.hung"
			[ -z "\${HANG_HARD:-}" ] || trap '' TERM
			exec sleep 1000
		fi
		[ "\${DIE:-}" = $s ] || exec cat
		n=0
		while IFS= read -r line; do
			echo "\$line"
			n=\$((n + 1))
			[ \$n -lt "\${DIE_AFTER:-3}" ] || exit 3
		done
		EOF
	done
	chmod +x "$FAKE"/*
	export ARGS=$BATS_TEST_TMPDIR/args WORDS=$BATS_TEST_TMPDIR/words
	: > "$ARGS"
	: > "$WORDS"
}

# stage_words STAGE: the words STAGE was started with, each in <>.
stage_words() {
	awk -v s="$1" '$1 == s { sub(/^[^ ]* ?/, ""); print }' "$WORDS"
}

# The PIDs of a process's children, but its watchdog (a foom-watch
# subshell).
children() {
	ps -o pid=,comm= --ppid "$1" | awk '$2 != "foom-watch" { print $1 }' || :
}

@test "watch: an unknown option is a usage error (status 2)" {
	run foom-watch --bogus
	[ "$status" -eq 2 ]
	[[ "$output" == *"foom-watch: unknown option '--bogus'"* ]]
}

@test "watch: an option without its argument is a usage error (status 2)" {
	run foom-watch -s
	[ "$status" -eq 2 ]
	[[ "$output" == *"option '-s' requires an argument"* ]]
}

@test "watch: an operand is a usage error (status 2)" {
	run foom-watch node
	[ "$status" -eq 2 ]
	[[ "$output" == *"unexpected argument 'node'"* ]]
}

@test "watch: each option reaches its stage" {
	fake_stages
	echo 'protect name=^x$' > "$BATS_TEST_TMPDIR/pol icy"
	DIE=foom-sample PATH=$FAKE:$PATH run foom-watch -s cgroup:/a --scope=node \
		--pods -i 0.5 --level high -P "$BATS_TEST_TMPDIR/pol icy" -n \
		--grace 2 --cooldown=3 --log "$BATS_TEST_TMPDIR/k.log" --syslog -v \
		--proc /p --cgroup-root=/c
	[ "$status" -eq 3 ]
	run sort "$ARGS"
	[ "${lines[0]}" = "foom-kill -f --pass -n --grace 2 --cooldown 3 --log $BATS_TEST_TMPDIR/k.log --syslog --proc /p --cgroup-root /c -P $BATS_TEST_TMPDIR/pol icy" ]
	[ "${lines[1]}" = "foom-predict --level high --pass" ]
	[ "${lines[2]}" = "foom-rank -f --pass --proc /p --cgroup-root /c -P $BATS_TEST_TMPDIR/pol icy" ]
	[ "${lines[3]}" = "foom-sample -f -i 0.5 -s cgroup:/a -s node --pods --proc /p --cgroup-root /c" ]
}

@test "watch: the records flow through every stage to the output" {
	fake_stages
	DIE=foom-kill DIE_AFTER=4 PATH=$FAKE:$PATH run foom-watch
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "sample ts=1 scope=node" ]
	[ "${lines[3]}" = "sample ts=4 scope=node" ]
	[ "${lines[4]}" = "foom-watch: foom-kill exited with status 3" ]
}

@test "watch: a stage that ends ends the watch, non-zero, naming the stage" {
	fake_stages
	for s in foom-sample foom-predict foom-rank foom-kill; do
		DIE=$s PATH=$FAKE:$PATH run timeout 10 foom-watch
		[ "$status" -eq 3 ]
		[[ "$output" == *"foom-watch: $s exited with status 3" ]]
	done
}

@test "watch: a hung stage: the watchdog says each stage's state, stops them, status 3" {
	fake_stages
	HANG=foom-predict PATH=$FAKE:$PATH run timeout 60 foom-watch --watchdog 2
	[ "$status" -eq 3 ]
	[[ "$output" == *"foom-watch: no record passed foom-kill for 2 s; stopping the pipeline: foom-sample(pid "*" foom-predict(pid $(cat "$WORDS.hung"), state S, in "*") foom-rank(pid "*") foom-kill(pid "*")"* ]]
	# the hung stage was stopped, not left behind
	run kill -0 "$(cat "$WORDS.hung")"
	[ "$status" -ne 0 ]
}

@test "watch: a stage deaf to SIGTERM does not keep a hung watch from exiting 3" {
	fake_stages
	# to a file: the deaf stage outlives foom-watch, its output open
	local st=0 hung
	HANG=foom-rank HANG_HARD=1 PATH=$FAKE:$PATH timeout 60 foom-watch --watchdog 2 \
		> "$BATS_TEST_TMPDIR/out" 2>&1 || st=$?
	hung=$(cat "$WORDS.hung")
	kill -KILL "$hung" 2>/dev/null || :
	output=$(cat "$BATS_TEST_TMPDIR/out")
	[ "$st" -eq 3 ]
	[[ "$output" == *"no record passed foom-kill for 2 s"* ]]
	[[ "$output" == *"foom-watch: the pipeline did not stop; leaving it to the supervisor" ]]
}

@test "watch: records that keep passing, however slowly, never wake the watchdog" {
	fake_stages
	# about 8 s of records, each well within the watchdog's 5 s
	DIE=foom-sample DIE_AFTER=150 PATH=$FAKE:$PATH run timeout 120 foom-watch --watchdog 5
	[ "$status" -eq 3 ]
	[[ "$output" == *"sample ts=150 scope=node"$'\n'"foom-watch: foom-sample exited with status 3" ]]
	[[ "$output" != *"no record passed"* ]]
}

@test "watch: SIGTERM stops the stages before foom-kill; foom-kill ends with its input" {
	fake_stages
	# the fake foom-kill says how it ended
	cat > "$FAKE/foom-kill" <<-'EOF'
	#!/bin/sh
	trap 'echo term >> "$WORDS.end"; exit 1' TERM
	: > "$WORDS.ready"
	cat > /dev/null
	echo eof >> "$WORDS.end"
	EOF
	chmod +x "$FAKE/foom-kill"
	PATH=$FAKE:$PATH foom-watch -s node > /dev/null 2> "$BATS_TEST_TMPDIR/err" &
	local w=$! st=0
	for i in $(seq 200); do [ -e "$WORDS.ready" ] && break; sleep 0.05; done
	kill -TERM "$w"
	wait "$w" || st=$?
	[ "$st" -eq 0 ]
	[ "$(cat "$WORDS.end")" = eof ]
}

@test "watch: --no-NAME undoes the file's NAME; a usage error where it cannot" {
	fw_setup
	printf 'changes\ndry-run\nlog = /nonexistent/kills.log\nscope = cgroup:/x\n' > "$ETC/foom/foom.conf"
	printf 'protect name=^x$\n' > "$ETC/foom/policy"
	run "$FW" --check
	[ "$status" -eq 0 ]
	[[ "$output" == *"(verdicts: only a change of level or fresh level)"* ]]
	[[ "$output" == *"foom-kill -f --pass -n --log '/nonexistent/kills.log' -P '$ETC/foom/policy'"* ]]
	[[ "$output" == *"-s 'cgroup:/x'"* ]]
	run "$FW" --check --no-changes --no-dry-run --no-log --no-policy --no-scope
	[ "$status" -eq 0 ]
	[[ "$output" != *"(verdicts: only"* ]]
	[[ "$output" == *"foom-kill -f --pass"$'\n'* ]]
	[[ "$output" == *"foom-sample -f -i '0.1'"$'\n'* ]]
	# the last word wins
	run "$FW" --check --no-changes --changes
	[[ "$output" == *"(verdicts: only"* ]]
	for bad in --no-bogus --no-config --no-check --no-no-changes --no-changes=1; do
		run "$FW" --check "$bad"
		[ "$status" -eq 2 ]
		[[ "$output" == *"foom-watch: "*"'$bad'"* ]] || [[ "$output" == *"foom-watch: "*"'${bad%%=*}'"* ]]
	done
	printf 'no-changes\n' > "$ETC/foom/foom.conf"
	run "$FW" --check
	[ "$status" -eq 2 ]
	[[ "$output" == *"foom.conf:1: 'no-changes' is an option of the command line only"* ]]
}

@test "watch: --watchdog takes whole seconds beyond the interval and the grace (status 2)" {
	fw_setup
	local bad
	for bad in abc -1 1.5 '' 9999999; do
		run "$FW" --check --watchdog "$bad"
		[ "$status" -eq 2 ]
		[[ "$output" == *"foom-watch: "*"watchdog"* ]]
	done
	run "$FW" --check --watchdog 1 -i 0.5
	[ "$status" -eq 2 ]
	[[ "$output" == *"--watchdog 1: want more than twice the interval"* ]]
	run "$FW" --check --watchdog 10 --grace 10
	[ "$status" -eq 2 ]
	run "$FW" --check --watchdog 0 -i 0.5
	[ "$status" -eq 0 ]
	[[ "$output" != *"(watchdog:"* ]]
	run "$FW" --check --watchdog 007
	[ "$status" -eq 0 ]
	[[ "$output" == *"(watchdog: a restart after 7 s without a record)"* ]]
}

@test "watch: a stage killed by a signal ends the watch with status 3" {
	need_pipeline
	foom-watch -n --proc "$FIX/sample/hybrid/proc" --cgroup-root "$FIX/sample/hybrid/cgroup" -i 0.1 \
		> "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" &
	local w=$! rank
	WATCH=$w
	wait_stages "$w"
	rank=$(ps -o pid=,comm= --ppid "$w" | awk '$2 == "foom-rank" { print $1 }')
	[ -n "$rank" ]
	kill -KILL "$rank"
	local st=0
	wait "$w" || st=$?
	WATCH=
	[ "$st" -eq 3 ]
	grep -q "foom-watch: foom-rank was killed by signal 9" "$BATS_TEST_TMPDIR/err"
	[ -z "$(children "$w")" ]
}

@test "watch: the watchdog restarts a real pipeline whose foom-predict stopped, status 3" {
	need_pipeline
	foom-watch -n --proc "$FIX/sample/hybrid/proc" --cgroup-root "$FIX/sample/hybrid/cgroup" -i 0.1 \
		--watchdog 3 > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" &
	local w=$! pids predict st=0
	WATCH=$w
	wait_stages "$w"
	pids=$(children "$w")
	predict=$(ps -o pid=,comm= --ppid "$w" | awk '$2 == "foom-predict" { print $1 }')
	[ -n "$predict" ]
	# records pass for longer than the watchdog before the stop
	sleep 4
	kill -0 "$w"
	kill -STOP "$predict"
	wait "$w" || st=$?
	WATCH=
	kill -KILL "$predict" 2>/dev/null || :
	[ "$st" -eq 3 ]
	grep -q "foom-watch: no record passed foom-kill for 3 s; stopping the pipeline: .* foom-predict(pid $predict, state T" \
		"$BATS_TEST_TMPDIR/err"
	! grep -q "did not stop" "$BATS_TEST_TMPDIR/err"
	for p in $pids; do
		run kill -0 "$p"
		[ "$status" -ne 0 ]
	done
}

@test "watch: SIGTERM stops every stage, status 0" {
	need_pipeline
	foom-watch -n --proc "$FIX/sample/hybrid/proc" --cgroup-root "$FIX/sample/hybrid/cgroup" -i 0.1 \
		> "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" &
	local w=$! pids st=0
	WATCH=$w
	wait_stages "$w"
	pids=$(children "$w")
	[ "$(echo $pids | wc -w)" -eq 4 ]
	grep -q '^verdict ' "$BATS_TEST_TMPDIR/out"
	kill -TERM "$w"
	wait "$w" || st=$?
	WATCH=
	[ "$st" -eq 0 ]
	for p in $pids; do
		run kill -0 "$p"
		[ "$status" -ne 0 ]
	done
	# a stop is no news: nothing on stderr but the stages' own warnings
	! grep -v -e 'cannot lock memory' -e 'cannot set oom_score_adj' "$BATS_TEST_TMPDIR/err"
}

@test "watch: SIGKILL of foom-watch leaves no stage running" {
	need_pipeline
	foom-watch -n --proc "$FIX/sample/hybrid/proc" --cgroup-root "$FIX/sample/hybrid/cgroup" -i 0.1 \
		> "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" &
	local w=$! pids left
	WATCH=$w
	wait_stages "$w"
	pids=$(children "$w")
	[ "$(echo $pids | wc -w)" -eq 4 ]
	kill -KILL "$w"
	wait "$w" || :
	WATCH=
	# each stage ends by itself: the first three on SIGTERM from the
	# kernel, foom-kill at the end of its input
	for i in $(seq 1 200); do
		left=
		for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
		[ -z "$left" ] && break
		sleep 0.05
	done
	[ -z "$left" ] || { kill -KILL $left; echo "still running:$left" >&2; false; }
}

@test "watch: a stage that rejects its option makes it a usage error (status 2)" {
	need_pipeline
	run foom-watch -n --proc "$FIX/sample/hybrid/proc" --cgroup-root "$FIX/sample/hybrid/cgroup" -i 0.001
	[ "$status" -eq 2 ]
	[[ "$output" == *"foom-sample: "*"0.001"* ]]
	[[ "$output" == *"foom-watch: foom-sample exited with status 2"* ]]
}

# fw_setup: $FW, a copy of foom-watch whose configuration directory is
# $ETC/foom (empty until a test fills it), as "make install" rewrites it.
fw_setup() {
	ETC=$BATS_TEST_TMPDIR/etc
	mkdir -p "$ETC/foom" "$BATS_TEST_TMPDIR/bin"
	FW=$BATS_TEST_TMPDIR/bin/foom-watch
	sed "s|^sysconfdir=/etc\$|sysconfdir=$ETC|" "$TOP/cmd/foom-watch" > "$FW"
	chmod +x "$FW"
	grep -qx "sysconfdir=$ETC" "$FW"
}

@test "watch: short options bundle, and take their argument joined or apart" {
	fake_stages
	fw_setup
	DIE=foom-sample PATH=$FAKE:$PATH run "$FW" -nvscgroup:/a -s node -i0.5 -nP "$BATS_TEST_TMPDIR/p"
	[ "$status" -eq 3 ]
	[ "$(stage_words foom-sample)" = "<-f> <-i> <0.5> <-s> <cgroup:/a> <-s> <node>" ]
	[ "$(stage_words foom-predict)" = "<--pass>" ]
	[ "$(stage_words foom-kill)" = "<-f> <--pass> <-n> <-P> <$BATS_TEST_TMPDIR/p>" ]
}

@test "watch: usage errors, one a row (status 2)" {
	fw_setup
	local row args want
	while IFS='|' read -r args want; do
		eval "run \"\$FW\" $args"
		echo "row: $args -> $status: $output"
		[ "$status" -eq 2 ]
		[[ "$output" == *"foom-watch: $want"* ]]
	done <<-'EOF'
	-nx|unknown option '-x'
	-vni|option '-i' requires an argument
	--dry-run=1|option '--dry-run' takes no argument
	--bogus=1|unknown option '--bogus=1'
	-|unexpected argument '-'
	-- node|unexpected argument 'node'
	--log=|option '--log' wants a value, not an empty one
	--rank-opt=growth|--rank-opt: 'growth' is not an option
	--kill-opt=--|--kill-opt: '--' is not an option
	--sample-opt -|--sample-opt: '-' is not an option
	-c /nonexistent/foom.conf|cannot read the configuration '/nonexistent/foom.conf'
	-c /|cannot read the configuration '/'
	EOF
}

@test "watch: every stage's own options pass through, one word each, last" {
	fake_stages
	fw_setup
	DIE=foom-sample PATH=$FAKE:$PATH run "$FW" --sample-opt=--count=9 \
		--predict-opt --hold=3 --predict-opt='--anon=40' --rank-opt=--by=growth \
		--rank-opt=-k2 --kill-opt='--pre-hook=logger "a b"' --kill-opt=-g \
		--protect 'name=^db$' --allow-pid1 --passwd /p/passwd --pods-dir /pods \
		--changes
	[ "$status" -eq 3 ]
	[ "$(stage_words foom-sample)" = "<-f> <-i> <0.1> <--pods-dir> </pods> <--count=9>" ]
	[ "$(stage_words foom-predict)" = "<--hold=3> <--anon=40>" ]
	[ "$(stage_words foom-rank)" = "<-f> <--pass> <--pods-dir> </pods> <--protect=name=^db$> <--allow-pid1> <--passwd> </p/passwd> <--by=growth> <-k2>" ]
	[ "$(stage_words foom-kill)" = "<-f> <--pass> <--pods-dir> </pods> <--protect=name=^db$> <--allow-pid1> <--passwd> </p/passwd> <--pre-hook=logger \"a b\"> <-g>" ]
}

@test "watch: the configuration file means what the options mean, and is never run" {
	fake_stages
	fw_setup
	cat > "$BATS_TEST_TMPDIR/foom.conf" <<-EOF
	# comment
	   scope = cgroup:/a b\$(touch $BATS_TEST_TMPDIR/ran)

	scope=pod:\`touch $BATS_TEST_TMPDIR/ran\`/x
	interval =0.5
	level= high
	policy = $BATS_TEST_TMPDIR/pol'icy;touch $BATS_TEST_TMPDIR/ran
	dry-run
	  syslog  
	log = /var/log/foom/k.log
	grace = 2
	cooldown = 4
	protect = cmdline=^a b  c\$
	rank-opt = --by=rss
	kill-opt = --signal=TERM
	proc = /p
	cgroup-root = /c
	EOF
	DIE=foom-sample PATH=$FAKE:$PATH run "$FW" -c "$BATS_TEST_TMPDIR/foom.conf"
	[ "$status" -eq 3 ]
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	local pol="$BATS_TEST_TMPDIR/pol'icy;touch $BATS_TEST_TMPDIR/ran"
	[ "$(stage_words foom-sample)" = "<-f> <-i> <0.5> <-s> <cgroup:/a b\$(touch $BATS_TEST_TMPDIR/ran)> <-s> <pod:\`touch $BATS_TEST_TMPDIR/ran\`/x> <--proc> </p> <--cgroup-root> </c>" ]
	[ "$(stage_words foom-predict)" = "<--level> <high>" ]
	[ "$(stage_words foom-rank)" = "<-f> <--pass> <--proc> </p> <--cgroup-root> </c> <-P> <$pol> <--protect=cmdline=^a b  c\$> <--by=rss>" ]
	[ "$(stage_words foom-kill)" = "<-f> <--pass> <-n> <--grace> <2> <--cooldown> <4> <--log> </var/log/foom/k.log> <--syslog> <--proc> </p> <--cgroup-root> </c> <-P> <$pol> <--protect=cmdline=^a b  c\$> <--signal=TERM>" ]
}

@test "watch: options win over the file; a list on the command line replaces the file's" {
	fake_stages
	fw_setup
	printf '%s\n' 'pods' 'scope = cgroup:/a' 'interval = 0.5' 'level = high' \
		'rank-opt = --by=rss' 'kill-opt = -g' 'protect = name=^a$' > "$ETC/foom/foom.conf"
	: > "$ETC/foom/policy"
	DIE=foom-sample PATH=$FAKE:$PATH run "$FW" -s node -i 0.2 --kill-opt=--wait=1 --level=low
	[ "$status" -eq 3 ]
	[ "$(stage_words foom-sample)" = "<-f> <-i> <0.2> <-s> <node>" ]
	[ "$(stage_words foom-predict)" = "<--level> <low>" ]
	[ "$(stage_words foom-rank)" = "<-f> <--pass> <-P> <$ETC/foom/policy> <--protect=name=^a$> <--by=rss>" ]
	[ "$(stage_words foom-kill)" = "<-f> <--pass> <-P> <$ETC/foom/policy> <--protect=name=^a$> <--wait=1>" ]
	# -c names another file: the default one is not read
	: > "$WORDS"
	echo 'interval = 0.3' > "$BATS_TEST_TMPDIR/other.conf"
	DIE=foom-sample PATH=$FAKE:$PATH run "$FW" -c "$BATS_TEST_TMPDIR/other.conf"
	[ "$(stage_words foom-sample)" = "<-f> <-i> <0.3>" ]
}

@test "watch: a bad configuration line is a usage error naming the file and line (status 2)" {
	fw_setup
	local conf=$BATS_TEST_TMPDIR/bad.conf row line want
	while IFS='|' read -r line want; do
		printf '# one\n%s\n' "$line" > "$conf"
		run "$FW" -c "$conf" --check
		echo "row: $line -> $status: $output"
		[ "$status" -eq 2 ]
		[[ "$output" == *"foom-watch: $conf:2: $want"* ]]
	done <<-'EOF'
	bogus = 1|unknown setting 'bogus'
	--scope = node|unknown setting '--scope'
	check|'check' is an option of the command line only
	config = /etc/foom/other.conf|'config' is an option of the command line only
	dry-run = yes|'dry-run' takes no value (a line of its own name)
	interval|'interval' wants a value (NAME = VALUE)
	interval =|option '--interval' wants a value, not an empty one
	scope node|'scope node': want NAME or NAME = VALUE
	rank-opt = by=rss|--rank-opt: 'by=rss' is not an option
	EOF
}

@test "watch: --check asks the stages to parse the settings and the policy, starts nothing" {
	need_pipeline
	fw_setup
	local log=$BATS_TEST_TMPDIR/kills.log
	printf 'protect exe=^/usr/sbin/sshd$ user=^root$\nprefer name=^hog$\n' > "$ETC/foom/policy"
	printf 'pods\nlevel = high\nlog = %s\nchanges\n' "$log" > "$ETC/foom/foom.conf"
	run "$FW" --check --rank-opt=--by=growth
	[ "$status" -eq 0 ]
	[[ "$output" == *"foom-sample -f -i '0.1' --pods"* ]]
	[[ "$output" == *"foom-rank -f --pass -P '$ETC/foom/policy' '--by=growth'"* ]]
	[[ "$output" == *"foom-kill -f --pass --log '$log' -P '$ETC/foom/policy'"* ]]
	[ ! -e "$log" ]
	# a policy that does not parse: foom-rank and foom-kill say where
	printf 'protect name=^ok$\nprotect name=(\n' > "$ETC/foom/policy"
	run "$FW" --check
	[ "$status" -eq 2 ]
	[[ "$output" == *"foom-rank: $ETC/foom/policy:2: "* ]]
	[[ "$output" == *"foom-kill: $ETC/foom/policy:2: "* ]]
	[[ "$output" == *"foom-watch: --check: rejected by foom-rank foom-kill"* ]]
	: > "$ETC/foom/policy"
	local row args who
	while IFS='|' read -r args who; do
		eval "run \"\$FW\" --check $args"
		echo "row: $args -> $status: $output"
		[ "$status" -eq 2 ]
		[[ "$output" == *"foom-watch: --check: rejected by $who" ]]
	done <<-'EOF'
	-i 0.001|foom-sample
	--sample-opt=--bogus|foom-sample
	--level=extreme|foom-predict
	--predict-opt=--hold=x|foom-predict
	--rank-opt=--by=size|foom-rank
	--protect=colour=red|foom-rank foom-kill
	--grace=-1|foom-kill
	--kill-opt=--signal=NOPE|foom-kill
	-P /nonexistent/policy|foom-rank foom-kill
	--metrics=/nonexistent|foom-watch
	--metrics=$BATS_TEST_TMPDIR --metrics-opt=--interval=0|foom-metrics
	EOF
}

@test "watch: the shipped foom.conf and policy pass --check, and every commented setting too" {
	need_pipeline
	fw_setup
	run "$FW" -c "$TOP/dist/foom.conf" -P "$TOP/dist/policy.example" --check
	[ "$status" -eq 0 ]
	[[ "$output" == *"foom-kill -f --pass --log '/var/log/foom/kills.log' -P "* ]]
	[[ "$output" == *"(verdicts: only a change of level or fresh level)"* ]]
	sed 's/^#\([a-z]\)/\1/; s|^metrics = .*|metrics = '"$BATS_TEST_TMPDIR"'|' \
		"$TOP/dist/foom.conf" > "$BATS_TEST_TMPDIR/all.conf"
	run "$FW" -c "$BATS_TEST_TMPDIR/all.conf" -P "$TOP/dist/policy.example" --check
	[ "$status" -eq 0 ]
	[[ "$output" == *"'--by=growth' '--trigger=near-oom'"* ]]
	[[ "$output" == *"foom-metrics --textfile '$BATS_TEST_TMPDIR' --pass '--interval=15'"* ]]
}

@test "watch: --changes passes a verdict only when its scope's level changes" {
	fake_stages
	fw_setup
	export FEED=$BATS_TEST_TMPDIR/feed
	cat > "$FEED" <<-'EOF'
	verdict ts=1 scope=node level=ok fresh=ok risk=0.1
	verdict ts=2 scope=node level=ok fresh=ok risk=0.2
	verdict ts=2 scope="cgroup:/a level=oom" level=ok fresh=ok
	verdict ts=3 scope="cgroup:/a level=oom" level=ok fresh=ok reason="level=warn"
	sample ts=3 scope=node avail_kb=1
	verdict ts=4 scope=node level=warn fresh=warn risk=0.5
	verdict ts=5 scope=node level=warn fresh=ok risk=0.5
	victim ts=5 scope=node pid=9
	kill ts=5 scope=node pid=9 result=killed
	verdict ts=6 scope=node level=warn fresh=ok risk=0.4
	verdict ts=7 scope="cgroup:/a level=oom" level=near-oom fresh=near-oom
	verdict ts=8 scope=node level=ok fresh=ok risk=0
	EOF
	PATH=$FAKE:$PATH run "$FW" --changes -v
	[ "$status" -eq 3 ]
	[ "$output" = "$(sed -n '1p;3p;5p;6p;7p;8p;9p;11p;12p' "$FEED")
foom-watch: foom-kill exited with status 3" ]
	# samples only with -v
	PATH=$FAKE:$PATH run "$FW" --changes
	[ "$output" = "$(sed -n '1p;3p;6p;7p;8p;9p;11p;12p' "$FEED")
foom-watch: foom-kill exited with status 3" ]
	# without it, every record
	PATH=$FAKE:$PATH run "$FW"
	[ "$output" = "$(cat "$FEED")
foom-watch: foom-kill exited with status 3" ]
}

@test "watch: every option of --help is in the man page and the three completions" {
	local opt missing=
	for opt in $(foom-watch --help | grep -E '^ +-' | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
		grep -q -- "${opt//-/\\\\-}" "$TOP/man/foom-watch.1" || missing="$missing man:$opt"
		grep -q -- "$opt" "$TOP/completions/bash/foom-watch" || missing="$missing bash:$opt"
		grep -q -- "$opt" "$TOP/completions/zsh/_foom-watch" || missing="$missing zsh:$opt"
		grep -q -- "-l ${opt#--} " "$TOP/completions/fish/foom-watch.fish" || missing="$missing fish:$opt"
	done
	[ -z "$missing" ] || { echo "missing:$missing" >&2; false; }
}

# fake_proc DIR: a /proc tree of one process a row of stdin, "PID|EXE|UID|COMM",
# each a copy of the rank fixture's process 400 (a plain candidate).
fake_proc() {
	local dir=$1 pid exe uid comm
	mkdir -p "$dir"
	cp "$FIX/rank/proc/uptime" "$dir/"
	while IFS='|' read -r pid exe uid comm; do
		cp -r "$FIX/rank/proc/400" "$dir/$pid"
		ln -sfn "$exe" "$dir/$pid/exe"
		sed -i "s/^Name:.*/Name:\t$comm/; s/^\(Pid\|Tgid\|NSpid\|NSpgid\):.*/\1:\t$pid/;
			s/^\(Uid\|Gid\):.*/\1:\t$uid\t$uid\t$uid\t$uid/" "$dir/$pid/status"
		sed -i "s/^400 (worker)/$pid ($comm)/" "$dir/$pid/stat"
		printf '%s\0' "$exe" > "$dir/$pid/cmdline"
		printf '%s\n' "$comm" > "$dir/$pid/comm"
	done
}

@test "watch: the default policy spares the lifelines by exe and user, not by name" {
	local T=$BATS_TEST_TMPDIR want got
	printf '%s\n' root:x:0:0::/:/bin/sh app:x:1000:1000::/:/bin/sh \
		messagebus:x:100:100::/:/bin/sh systemd-network:x:998:998::/:/bin/sh > "$T/passwd"
	# PID|EXE|UID|COMM|protected?
	cat > "$T/rows" <<-'EOF'
	1001|/usr/sbin/sshd|0|sshd|yes
	1003|/usr/lib/openssh/sshd-session|0|sshd-session|yes
	1004|/usr/sbin/sshd|1000|sshd|no
	1005|/tmp/sshd|0|sshd|no
	1006|/usr/lib/systemd/systemd-journald|0|systemd-journal|yes
	1007|/lib/systemd/systemd-logind|0|systemd-logind|yes
	1008|/usr/lib/systemd/systemd-journald|1000|systemd-journal|no
	1009|/usr/lib/systemd/systemd-networkd|998|systemd-network|yes
	1010|/usr/bin/dbus-daemon|100|dbus-daemon|yes
	1011|/usr/bin/containerd|0|containerd|yes
	1012|/usr/bin/containerd-shim-runc-v2|0|containerd-shim|yes
	1013|/usr/bin/dockerd|0|dockerd|yes
	1014|/usr/bin/crio|0|crio|yes
	1015|/usr/local/bin/kubelet|0|kubelet|yes
	1016|/usr/bin/kubelet|1000|kubelet|no
	1017|/home/app/kubelet|0|kubelet|no
	1018|/usr/bin/python3|1000|containerd|no
	EOF
	cut -d'|' -f1-4 "$T/rows" | fake_proc "$T/proc"
	run foom-rank -P "$TOP/dist/policy.example" --proc "$T/proc" \
		--cgroup-root "$FIX/rank/cg-v1" --passwd "$T/passwd" -o pid
	[ "$status" -eq 0 ]
	want=$(awk -F'|' '$5 == "no" { print $1 }' "$T/rows" | sort)
	got=$(echo "$output" | sort)
	[ "$got" = "$want" ] || { echo "listed: $got" "want: $want" >&2; false; }
}

@test "watch: make install puts the settings, policy, unit and logrotate file under SYSCONFDIR; uninstall removes what it made" {
	local R=$BATS_TEST_TMPDIR/root
	# a directory that was there before, with someone else's file
	mkdir -p "$R/usr/share/man/man1"
	touch "$R/usr/share/man/man1/other.1"
	make -s -C "$TOP" install DESTDIR="$R" PREFIX=/usr SYSCONFDIR=/opt/etc \
		UNITDIR=/usr/lib/systemd/system > /dev/null
	grep -qx 'sysconfdir=/opt/etc' "$R/usr/bin/foom-watch"
	cmp "$TOP/dist/foom.conf" "$R/opt/etc/foom/foom.conf"
	cmp "$TOP/dist/policy.example" "$R/opt/etc/foom/policy"
	cmp "$TOP/dist/logrotate" "$R/opt/etc/logrotate.d/foom"
	local unit=$R/usr/lib/systemd/system/foom-watch.service
	grep -qx 'ExecStart=/usr/bin/foom-watch $FOOM_WATCH_ARGS' "$unit"
	grep -qx 'StandardOutput=journal' "$unit"
	grep -q '/opt/etc/foom/foom.conf' "$unit"
	! grep -q '@' "$unit"
	[ -x "$R/usr/bin/foom-metrics" ] || [ ! -e "$TOP/cmd/foom-metrics.c" ]
	if command -v systemd-analyze >/dev/null; then
		sed "s|=/usr/bin/|=$R/usr/bin/|" "$unit" > "$BATS_TEST_TMPDIR/foom-watch.service"
		run systemd-analyze verify --man=no "$BATS_TEST_TMPDIR/foom-watch.service"
		echo "$output"
		[ "$status" -eq 0 ]
	fi
	# the installed foom-watch finds the installed files where it was told
	sed -i "s|^sysconfdir=.*|sysconfdir=$R/opt/etc|" "$R/usr/bin/foom-watch"
	run "$R/usr/bin/foom-watch" --check
	[ "$status" -eq 0 ]
	[[ "$output" == *"-P '$R/opt/etc/foom/policy'"* ]]
	# a reinstall keeps an edited policy; uninstall keeps it, and its directory
	echo 'protect name=^mine$' > "$R/opt/etc/foom/policy"
	make -s -C "$TOP" install DESTDIR="$R" PREFIX=/usr SYSCONFDIR=/opt/etc \
		UNITDIR=/usr/lib/systemd/system > /dev/null
	[ "$(cat "$R/opt/etc/foom/policy")" = 'protect name=^mine$' ]
	make -s -C "$TOP" uninstall DESTDIR="$R" PREFIX=/usr SYSCONFDIR=/opt/etc \
		UNITDIR=/usr/lib/systemd/system
	run sh -c 'find "$1" -mindepth 1 | sort' sh "$R"
	[ "$output" = "$(printf '%s\n' "$R/opt" "$R/opt/etc" "$R/opt/etc/foom" \
		"$R/opt/etc/foom/policy" "$R/usr" "$R/usr/share" "$R/usr/share/man" \
		"$R/usr/share/man/man1" "$R/usr/share/man/man1/other.1" | sort)" ] ||
		{ echo "left: $output" >&2; false; }
}

@test "watch: logrotate moves the log, SIGHUP has foom-kill open a new one, no record lost" {
	command -v logrotate >/dev/null || skip "no logrotate (make deps installs it)"
	local T=$BATS_TEST_TMPDIR log=$BATS_TEST_TMPDIR/log/kills.log
	mkdir -p "$T/log"
	sleep 300 > /dev/null 2>&1 & local victim=$!
	local start
	start=$(sed 's/.*) //' "/proc/$victim/stat" | cut -d' ' -f20)
	mkfifo "$T/victims"
	foom-kill -f -n --cooldown 0 --log "$log" < "$T/victims" > "$T/out" 2> "$T/err" &
	local fk=$!
	# the shipped file, its postrotate aimed at this foom-kill instead
	# of the unit's main process
	sed -e "s|^/var/log/foom/kills.log |$log |" \
		-e "s|systemctl kill --kill-who=main --signal=HUP foom-watch.service|kill -HUP $fk|" \
		-e "s|create 0640 root root|create 0640|" \
		"$TOP/dist/logrotate" > "$T/logrotate.conf"
	grep -q "^$log {" "$T/logrotate.conf"
	grep -q "kill -HUP $fk" "$T/logrotate.conf"
	exec 5> "$T/victims"
	echo "victim ts=1 scope=node pid=$victim start=$start comm=sleep" >&5
	for i in $(seq 100); do [ -s "$log" ] && break; sleep 0.1; done
	logrotate -f -s "$T/state" "$T/logrotate.conf"
	[ -e "$log.1" ] && [ -e "$log" ] && [ ! -s "$log" ]
	echo "victim ts=2 scope=node pid=$victim start=$start comm=sleep" >&5
	for i in $(seq 100); do [ -s "$log" ] && break; sleep 0.1; done
	exec 5>&-
	wait "$fk" || :
	kill "$victim"
	# foom-kill outlived the SIGHUP; the first record is in the rotated
	# file, the second alone in the new one
	[ "$(grep -c '^kill ' "$log.1")" -eq 1 ]
	grep -q '^kill ts=[0-9.]* scope=node pid='"$victim"' .*result=dry-run' "$log.1"
	[ "$(grep -c '^kill ' "$log")" -eq 1 ]
	[ "$(wc -l < "$log")" -eq 1 ]
	! grep -v -e 'cannot lock memory' -e 'cannot set oom_score_adj' "$T/err"
}

@test "watch: SIGHUP reaches foom-kill and stops nothing; SIGTERM stops all, status 0" {
	fake_stages
	# the fake foom-kill says when it gets SIGHUP
	cat > "$FAKE/foom-kill" <<-'EOF'
	#!/bin/sh
	trap 'echo hup >> "$WORDS.hup"' HUP
	# reads its input to the end, as foom-kill does (an asynchronous
	# command's input is /dev/null unless it is given another)
	exec 3<&0
	cat <&3 > /dev/null 3<&- &
	c=$!
	exec 3<&-
	: > "$WORDS.ready"
	while kill -0 "$c" 2>/dev/null; do sleep 0.05; done
	EOF
	chmod +x "$FAKE/foom-kill"
	PATH=$FAKE:$PATH foom-watch -s node > /dev/null 2> "$BATS_TEST_TMPDIR/err" &
	local w=$!
	# the stages have started (the fake foom-kill traps before its loop)
	for i in $(seq 200); do [ "$(grep -c . "$WORDS")" -ge 3 ] && break; sleep 0.05; done
	for i in $(seq 200); do [ -e "$WORDS.ready" ] && break; sleep 0.05; done
	kill -HUP "$w"
	for i in $(seq 200); do [ -s "$WORDS.hup" ] && break; sleep 0.05; done
	[ "$(cat "$WORDS.hup")" = hup ]
	kill -0 "$w"
	kill -TERM "$w"
	local st=0
	wait "$w" || st=$?
	[ "$st" -eq 0 ]
}

# --- live ----------------------------------------------------------------

need_pipeline() {
	local s
	for s in foom-sample foom-predict foom-rank foom-kill; do
		command -v "$s" >/dev/null || skip "no $s in this build"
	done
}

# wait_stages PID: until foom-watch PID runs four stages and one record
# came out.
wait_stages() {
	local i
	for i in $(seq 100); do
		[ "$(children "$1" | wc -l)" -eq 4 ] && [ -s "$BATS_TEST_TMPDIR/out" ] && return 0
		sleep 0.1
	done
	return 1
}

teardown() {
	[ -z "${WATCH:-}" ] || { kill -TERM "$WATCH" 2>/dev/null || :; wait "$WATCH" 2>/dev/null || :; }
	memcg_destroy
}

oom_kills() {
	memcg_oom_kills
}

# live_setup: a 512 MiB cgroup with the protected reader's 256 MiB file
# warm in it, the policy, and foom-watch on the cgroup.
live_setup() {
	need_pipeline
	memcg_create watch $((512 * 1048576))
	[ -f "$BATS_FILE_TMPDIR/data" ] || skip "live test: no data file"
	OUT=$BATS_TEST_TMPDIR/out
	LAT=$BATS_TEST_TMPDIR/lat
	POLICY=$BATS_TEST_TMPDIR/policy
	printf 'protect name=^reader$\n%s\n' "${1:-}" > "$POLICY"
	in_memcg reader --evict --warm -o "$LAT" "$BATS_FILE_TMPDIR/data"
	READER=$PID
	local i
	for i in $(seq 300); do [ -s "$LAT" ] && break; sleep 0.1; done
	[ -s "$LAT" ]
	OOM0=$(oom_kills)
	# a process group of its own: foom never picks from its own group,
	# which would otherwise hold the test's processes too
	setsid foom-watch -s "cgroup:$MEMCG_PATH" -P "$POLICY" --log "$BATS_TEST_TMPDIR/kills" \
		> "$OUT" 2> "$BATS_TEST_TMPDIR/err" &
	WATCH=$!
}

# wait_kills N SECONDS: until N kill records came out.
wait_kills() {
	local i
	for i in $(seq $(($2 * 10))); do
		[ "$(grep -c '^kill ' "$OUT")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "live: foom kills the leaking hog before the kernel would, the reader lives" {
	live_setup
	in_memcg hog hold 470 100
	local hog=$PID
	wait_kills 1 30
	grep '^kill ' "$OUT" | head -1 | grep -q " pid=$hog .*result=killed"
	grep -q "^kill .* pid=$hog " "$BATS_TEST_TMPDIR/kills"
	local st=0
	wait "$hog" || st=$?
	[ "$st" -gt 128 ]
	# the reader was never signalled and still reads
	kill -0 "$READER"
	run grep -c " pid=$READER " "$OUT"
	[ "$output" = 0 ]
	local n0 n1
	n0=$(wc -l < "$LAT"); sleep 0.5; n1=$(wc -l < "$LAT")
	[ "$n1" -gt "$n0" ]
	[ "$(oom_kills)" = "$OOM0" ]
}

@test "live: a use-once stream over steady anonymous memory is not killed (20 s)" {
	live_setup
	in_memcg hog hold 150
	local hog=$PID
	# 50 MiB/s for 20 s: twice the limit of cache pushed through
	in_memcg reader --evict --stream 50 "$BATS_FILE_TMPDIR/stream"
	local streamer=$PID
	sleep 20
	# more than the limit went through the cgroup's page cache
	[ "$(awk '$1 == "rchar:" { print int($2 / 1048576) }' "/proc/$streamer/io")" -gt 512 ]
	run grep -c '^kill ' "$OUT"
	[ "$output" = 0 ]
	run grep -c '^victim ' "$OUT"
	[ "$output" = 0 ]
	kill -0 "$hog"
	kill -0 "$streamer"
	kill -0 "$READER"
	[ "$(oom_kills)" = "$OOM0" ]
}

@test "live: when the preferred victim frees too little, a second kill follows" {
	ln -s "$(command -v hog)" "$BATS_TEST_TMPDIR/small"
	live_setup 'prefer name=^small$'
	in_memcg "$BATS_TEST_TMPDIR/small" hold 16
	local small=$PID
	sleep 0.5
	in_memcg hog hold 470 100
	local hog=$PID
	wait_kills 2 40
	grep '^kill ' "$OUT" | sed -n 1p | grep -q " pid=$small .*result=killed"
	grep '^kill ' "$OUT" | sed -n 2p | grep -q " pid=$hog .*result=killed"
	kill -0 "$READER"
	[ "$(oom_kills)" = "$OOM0" ]
}

@test "live: once the hog's memory is back, a held verdict kills nobody else" {
	live_setup
	in_memcg sleep 300
	local bystander=$PID
	in_memcg hog hold 470 100
	local hog=$PID
	wait_kills 1 30
	grep '^kill ' "$OUT" | head -1 | grep -q " pid=$hog .*result=killed"
	# the shown level is held for 10 s after the kill; the cooldown (3 s)
	# ends well inside that hold
	local i
	for i in $(seq 120); do
		grep -Eq '^verdict .* level=near-oom fresh=(ok|warn) ' "$OUT" && break
		sleep 0.1
	done
	grep -Eq '^verdict .* level=near-oom fresh=(ok|warn) ' "$OUT"
	sleep 8
	[ "$(grep -c '^kill ' "$OUT")" -eq 1 ]
	! grep -q "^victim .* pid=$bystander " "$OUT"
	kill -0 "$bystander"
	kill -0 "$READER"
}
