#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# foom-rank: candidates of a scope, best victim first, by policy and
# score.  Fixture: tests/fixtures/rank (a /proc tree of crafted
# processes whose cgroup files name both a v1 and a v2 path, the two
# cgroup roots, a kubelet pods dir, a passwd file and a policy).

load helper

FR=$FIX/rank

setup() {
	T=$BATS_TEST_TMPDIR
}

teardown() {
	local pid
	# a child cgroup a live test made: its processes by the PIDs it kept
	if [ -s "$T/child-pids" ]; then
		kill -9 $(cat "$T/child-pids") 2>/dev/null || true
		sleep 0.2
	fi
	[ -z "${MEMCG_DIR:-}" ] || rmdir "$MEMCG_DIR/child" 2>/dev/null || true
	# What this test started in its cgroup, by PID, before the cgroup
	# goes (cgroupfs files have no size, so a -s test cannot tell).
	if [ -n "${MEMCG_DIR:-}" ] && [ -d "$MEMCG_DIR" ]; then
		for pid in $(cat "$MEMCG_DIR/cgroup.procs"); do
			kill -9 "$pid" 2>/dev/null || true
		done
	fi
	memcg_destroy
}

# rank [ARGS...]: on the fixture with the v1 root; rank2 with the v2 root
rank() {
	foom-rank --proc "$FR/proc" --cgroup-root "$FR/cg-v1" --pods-dir "$FR/pods" \
		--passwd "$FR/passwd" "$@"
}
rank2() {
	foom-rank --proc "$FR/proc" --cgroup-root "$FR/cg-v2" --pods-dir "$FR/pods" \
		--passwd "$FR/passwd" "$@"
}
# The ranking time varies from run to run; everything else is golden.
nots() {
	sed -E 's/^victim ts=[0-9]+\.[0-9]{3} /victim ts=T /'
}
# pids: the pid column of -o pid, on one line
pids() {
	tr '\n' ' ' | sed 's/ $//'
}

@test "rank: the node, by oom_score, on the v1 root (golden)" {
	rank > "$T/out"
	nots < "$T/out" > "$T/got"
	assert_golden "$FR/node-v1.golden" "$T/got"
}

@test "rank: a policy file orders prefer, unmatched, avoid; protect removes (golden)" {
	rank -P "$FR/policy" > "$T/out"
	nots < "$T/out" > "$T/got"
	assert_golden "$FR/policy-v1.golden" "$T/got"
}

@test "rank: PID 1 and kernel threads are never candidates" {
	# every candidate is listed: PID 1 (systemd), kthreadd and a kworker
	# would be among them
	run rank -o pid
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | pids)" = "320 301 310 501 200 220 400 210 500" ]
	run rank -s cgroup:/init.scope --allow-pid1
	[ "$status" -eq 1 ]
	run rank --by rss --allow-pid1 -o pid
	[[ " $(echo "$output" | pids) " != *" 1 "* ]]
	[[ " $(echo "$output" | pids) " != *" 2 "* ]]
	[[ " $(echo "$output" | pids) " != *" 3 "* ]]
}

@test "rank: a zombie is never a candidate" {
	# pid 230 (state Z) is the only process of cron.service
	rank -o pid > "$T/o"
	[ "$(grep -cx 230 "$T/o")" -eq 0 ]
	run rank -s cgroup:/system.slice/cron.service
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}

@test "rank: oom_score_adj -1000 is never a candidate" {
	# sshd (pid 100) is the only process of ssh.service
	run rank --by rss -o pid,rss_kb
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | cut -f1 | pids)" = "200 310 220 400 301 210 501 320 500" ]
	run rank -s cgroup:/system.slice/ssh.service
	[ "$status" -eq 1 ]
}

@test "rank: a container's and a pod's PID 1 is not a candidate unless --allow-pid1" {
	# 300 (nginx master, NSpid 300 1) and 309 (tini, NSpid 309 1)
	run rank -s cgroup:/kubepods -o pid
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | pids)" = "320 301 310" ]
	run rank -s cgroup:/kubepods -o pid --allow-pid1
	[ "$(echo "$output" | pids)" = "320 301 300 310 309" ]
}

@test "rank: a process whose files vanish mid-scan is skipped silently" {
	# pid 240 has a stat (RSS 400000 kB) and nothing else
	run rank --by rss -o pid
	[ "$status" -eq 0 ]
	[[ " $(echo "$output" | pids) " != *" 240 "* ]]
	foom-rank --proc "$FR/proc" --cgroup-root "$FR/cg-v1" --by rss -s cgroup:/ \
		-o pid > "$T/out" 2> "$T/err"
	[ "$(grep -cx 240 "$T/out")" -eq 0 ]
	[ ! -s "$T/err" ]
}

# fresh_pids SCRIPT ARG...: sh SCRIPT ARG... as the child of a new shell,
# so that both PIDs are new; again while the script finds them among the
# fixture's (its status 99), as a machine whose PIDs wrapped may hand out.
fresh_pids() {
	local try rc
	for try in 1 2 3 4 5; do
		rc=0
		sh -c 'sh "$@"' sh "$@" || rc=$?
		[ "$rc" -eq 99 ] || return "$rc"
	done
	return 99
}

@test "rank: foom itself and its ancestors are never candidates; its group's others are" {
	cp -r "$FR/proc" "$T/proc"
	# In the shell that becomes foom-rank (exec keeps the PID and the
	# start time): write itself and its parent, each with its real start
	# time, and a process of its group, each with the top oom_score.
	cat > "$T/run" <<'SH'
p=$1/proc
for pid in $$ $PPID; do
	[ ! -e "$p/$pid" ] && [ "$pid" != 777 ] || exit 99
done
echo "$$ $PPID" > "$1/ids"; shift
pg=$(cut -d' ' -f5 /proc/$$/stat)
for pid in $$ $PPID 777; do
	cp -r "$p/500" "$p/$pid"
	sed -i -E "s/^500 \(orphan-tool\) S 1 500 500 /$pid (orphan-tool) S 1 $pg $pg /" "$p/$pid/stat"
	echo 1000 > "$p/$pid/oom_score"
done
for pid in $$ $PPID; do
	start=$(sed 's/.*) //' /proc/$pid/stat | cut -d' ' -f20)
	sed -i -E "s/ 4000 12288000 / $start 12288000 /" "$p/$pid/stat"
done
exec foom-rank --proc "$p" --cgroup-root "$1" -o pid -k 3
SH
	fresh_pids "$T/run" "$T" "$FR/cg-v1" > "$T/out"
	read -r self parent < "$T/ids"
	# 320 (oom_score 1000, more RSS) leads; then the group's other
	# process; neither foom-rank nor its parent is there
	[ "$(pids < "$T/out")" = "320 777 301" ]
	[ -d "$T/proc/$self" ] && [ -d "$T/proc/$parent" ]
}

@test "rank: a reused PID is not foom or its ancestor: another start time is a candidate" {
	cp -r "$FR/proc" "$T/proc"
	cat > "$T/run" <<'SH'
p=$1/proc
for pid in $$ $PPID; do
	[ ! -e "$p/$pid" ] || exit 99
done
echo "$$ $PPID" > "$1/ids"; shift
pg=$(cut -d' ' -f5 /proc/$$/stat)
for pid in $$ $PPID; do
	cp -r "$p/500" "$p/$pid"
	sed -i -E "s/^500 \(orphan-tool\) S 1 500 500 /$pid (orphan-tool) S 1 $pg $pg /" "$p/$pid/stat"
	echo 1000 > "$p/$pid/oom_score"
done
exec foom-rank --proc "$p" --cgroup-root "$1" -o pid -k 4
SH
	fresh_pids "$T/run" "$T" "$FR/cg-v1" > "$T/out"
	read -r self parent < "$T/ids"
	# the fixture's start time (4000) is neither foom-rank's nor its
	# parent's: a fixture's PID or another namespace's may be foom's own
	# 320 leads (more RSS); the two of the same score and RSS follow
	set -- $(cat "$T/out")
	[ "$# $1 $4" = "4 320 301" ]
	[ "$(printf '%s\n' "$2" "$3" | sort -n | tr '\n' ' ')" = \
	  "$(printf '%s\n' "$self" "$parent" | sort -n | tr '\n' ' ')" ]
}

@test "rank: live, foom-rank never lists itself or its ancestors; its group's others it does" {
	run sh -c 'sleep 300 > /dev/null 2>&1 & echo "$$ $! $PPID" > "$0/self"; exec foom-rank -o pid,pgid' "$T"
	read -r self sib parent < "$T/self"
	kill "$sib" 2>/dev/null || true
	[ "$status" -eq 0 ]
	[ -n "$output" ]
	[ "$(echo "$output" | awk -v p="$self" -v q="$parent" '$1 == p || $1 == q' | wc -l)" -eq 0 ]
	# a sibling in its process group (as a script's child is) is listed
	echo "$output" | awk -v p="$sib" '$1 == p { ok = 1 } END { exit !ok }'
	# ancestors further up: bats itself, the test's shell
	echo "$output" | awk -v p="$$" '$1 == p { bad = 1 } END { exit bad }'
}

@test "rank: a protect rule removes what it matches, on any field" {
	run rank --protect 'name=^logrotate$' -o pid -k 1
	[ "$output" = 301 ]
	run rank --protect 'user=^app$' -o pid
	[ "$(echo "$output" | pids)" = "320 301 220 210 500" ]
	# 320's pod is not in the pods dir: no pod to match
	run rank --protect 'cgroup=^/system\.slice/' --protect 'pod=.' -o pid
	[ "$(echo "$output" | pids)" = "320 501 500" ]
	run rank -s cgroup:/system.slice/app.service --protect exe=python3 --protect name=.
	[ "$status" -eq 1 ]
}

@test "rank: prefer and avoid match cmdline only, exe, users by name or number" {
	# fluent-bit's name does not say logcollect; its command line does
	run rank --prefer 'name=logcollect' -o pid -k 1
	[ "$output" = 320 ]
	run rank --prefer 'cmdline=logcollect' -o pid,rule -k 1
	[ "$output" = "$(printf '210\tprefer cmdline=logcollect')" ]
	run rank --avoid 'exe=^/usr/lib/jvm/' -o pid
	[ "$(echo "$output" | pids)" = "320 301 501 200 220 400 210 500 310" ]
	# uid 4242 has no passwd entry: matched and printed as a number
	run rank --prefer 'user=^4242$' -o pid,user -k 1
	[ "$output" = "$(printf '500\t4242')" ]
	run rank --prefer 'user=^www-data$' -o pid,user -k 1
	[ "$output" = "$(printf '301\twww-data')" ]
	# the first matching rule places it; prefer before avoid on the line
	run rank --avoid 'name=^batch$' --prefer 'name=^b' -o pid,rule -k 1
	[ "$output" = "$(printf '320\tscore')" ]
	run rank --prefer 'name=^b' --avoid 'name=^batch$' -o pid,rule -k 1
	[ "$output" = "$(printf '501\tprefer name=^b')" ]
}

@test "rank: pod and namespace rules match only processes of a named pod" {
	# 320 is in a pod the pods dir does not name: no pod, no match
	run rank --prefer 'pod=.' -o pid,pod,namespace -k 3
	[ "$output" = "$(printf '301\tweb-1\tdefault\n310\tapi-0\tprod\n320\t\t')" ]
	run sh -c "$(declare -f rank); FR='$FR'; rank --avoid 'namespace=^default\$' -o pid | tail -1"
	[ "$output" = 301 ]
}

@test "rank: nested cgroups, v1 and v2 roots" {
	run rank -s cgroup:/system.slice/app.service -o pid,cgroup
	[ "$output" = "$(printf '200\t/system.slice/app.service\n400\t/system.slice/app.service/workers/w1')" ]
	run rank2 -s cgroup:/system.slice/app.service/workers -o pid
	[ "$output" = 400 ]
	# the same processes spelled the systemd way on the v2 root
	rank2 -s cgroup:/kubepods.slice -P "$FR/policy" > "$T/out"
	nots < "$T/out" > "$T/got"
	assert_golden "$FR/kubepods-v2.golden" "$T/got"
	# a v1-only path is no scope on v2
	run rank2 -s cgroup:/kubepods
	[ "$status" -eq 2 ]
	[[ "$output" == *"no memory cgroup '/kubepods' under"* ]]
}

# procs_tree: the fixture copied to $T/fr, with cgroup.procs files
# (what a live cgroup tree has) for the app.service subtree.  501 (batch)
# is listed in w1 but its cgroup file says user-1000.slice now: it moved
# between the listing and the look.  220 (postgresql) says app.service
# but no cgroup.procs lists it.
procs_tree() {
	cp -r "$FR" "$T/fr"
	local a=$T/fr/cg-v1/memory/system.slice/app.service
	echo 200 > "$a/cgroup.procs"
	: > "$a/workers/cgroup.procs"
	printf '400\n501\n400\n' > "$a/workers/w1/cgroup.procs"
	echo 400 > "$T/fr/cg-v2/system.slice/app.service/workers/cgroup.procs"
	sed -i 's|postgresql.service|app.service|' "$T/fr/proc/220/cgroup"
}
rankp() {
	foom-rank --proc "$T/fr/proc" --cgroup-root "$T/fr/cg-v1" --pods-dir "$T/fr/pods" \
		--passwd "$T/fr/passwd" "$@"
}

@test "rank: a cgroup scope is listed from its cgroups' cgroup.procs; a listed process is judged where it is now" {
	procs_tree
	run rankp -s cgroup:/system.slice/app.service -o pid,cgroup
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '200\t/system.slice/app.service\n400\t/system.slice/app.service/workers/w1')" ]
	# the same following verdicts, with the kept files of -f
	printf 'verdict ts=%s scope=cgroup:/system.slice/app.service level=oom\n' 1.000 2.000 > "$T/v"
	rankp -f -k 5 -o pid "$T/v" > "$T/f" 2>/dev/null
	[ "$(cat "$T/f")" = "$(printf '200\n400\n200\n400')" ]
	run foom-rank --proc "$T/fr/proc" --cgroup-root "$T/fr/cg-v2" --passwd "$T/fr/passwd" \
		-s cgroup:/system.slice/app.service/workers -o pid
	[ "$output" = 400 ]
	# a tree without cgroup.procs: every process's cgroup file decides
	run rank -s cgroup:/system.slice/app.service -o pid
	[ "$output" = "$(printf '200\n400')" ]
}

@test "rank: hostile cgroup names do not break the walk; too deep, too many and bad lines are warned about" {
	procs_tree
	local a=$T/fr/cg-v1/memory/system.slice/app.service d i
	# a name of control bytes and escape sequences, as long as a name goes
	d=$a/$'\x01\x1b[31m\n\t'$(printf 'x%.0s' $(seq 245))
	mkdir "$d"
	echo 210 > "$d/cgroup.procs"
	run rankp -s cgroup:/system.slice/app.service -o pid
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '200\n400')" ] # 210 is in logging.service now
	sed -i 's|logging.service|app.service/x|' "$T/fr/proc/210/cgroup"
	run rankp -s cgroup:/system.slice/app.service -o pid
	[ "$(echo "$output" | sort -n | pids)" = "200 210 400" ]
	# 17 levels below the scope: not read, said
	d=$a
	for i in $(seq 17); do
		d=$d/l$i
		mkdir "$d"
		: > "$d/cgroup.procs"
	done
	echo 500 > "$d/cgroup.procs"
	run rankp -s cgroup:/system.slice/app.service -o pid
	[ "$status" -eq 0 ]
	[[ "$output" == *"cgroup:/system.slice/app.service: 1 cgroups more than 16 levels below its own: their processes not ranked"* ]]
	rm -r "$a/l1"
	# lines that are no PID
	printf 'x1\n-5\n99999999999\n\n7a\n' >> "$a/cgroup.procs"
	run rankp -s cgroup:/system.slice/app.service -o pid
	[[ "$output" == *"app.service: 4 lines of its cgroup.procs files are not a PID: skipped"* ]]
	[[ "$output" == *$'\n200\n'* ]]
	echo 200 > "$a/cgroup.procs"
	# more cgroups than any pod holds
	(cd "$a/workers" && seq 4100 | xargs mkdir)
	run rankp -s cgroup:/system.slice/app.service -o pid
	[ "$status" -eq 0 ]
	[[ "$output" == *"app.service: more than 4096 cgroups: the processes of "*" more not ranked"* ]]
}

@test "rank: a pod scope, its names, and a rule limited to it (golden)" {
	rank -P "$FR/policy" -s pod:prod/api-0 > "$T/out"
	rank2 -P "$FR/policy" -s pod:default/web-1 >> "$T/out"
	nots < "$T/out" > "$T/got"
	assert_golden "$FR/pods.golden" "$T/got"
	# the same processes as a cgroup scope: the java rule does not apply
	run rank -P "$FR/policy" -s cgroup:/kubepods/burstable -o pid,rule
	[ "$output" = "$(printf '301\tscore\n310\tscore')" ]
}

@test "rank: --by rss and --by oom_score order differently; -k keeps the first N" {
	run rank --by rss -k 2 -o rank,pid,score
	[ "$output" = "$(printf '1\t200\t2000000\n2\t310\t1600000')" ]
	run rank --by oom_score -k 2 -o rank,pid,score
	[ "$output" = "$(printf '1\t320\t1000\n2\t301\t930')" ]
	run rank --top 1 -o pid
	[ "$output" = 320 ]
}

@test "rank: -d scans twice and prints growth_kbps" {
	run rank -d 0.1 --by growth -k 2 -o pid,score,growth_kbps
	[ "$status" -eq 0 ]
	# nothing changes in a fixture: every growth is 0, ties go by RSS
	[ "$output" = "$(printf '200\t0.0\t0.0\n310\t0.0\t0.0')" ]
	run rank -k 1 -o growth_kbps
	[ "$output" = "" ]
}

@test "rank: -t, -j and -o write the same victims" {
	run rank -k 2 -t
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "TS "*" SCOPE RANK PID START PGID COMM "*" CMDLINE "*" RULE  POD   NAMESPACE" ]]
	[[ "${lines[1]}" == *" node  1    320 2200  320  logrotate logrotate /etc/logrotate.conf root "* ]]
	[[ "${lines[2]}" == *" 930   score web-1 default" ]]
	run rank -k 1 -j
	[[ "$output" == '{"record":"victim","ts":'*',"scope":"node","rank":1,"pid":320,"start":2200,"pgid":320,"comm":"logrotate","cmdline":"logrotate /etc/logrotate.conf","user":"root","cgroup":"/kubepods/besteffort/podc0ffee00-1111-4222-8333-444455556666/ctr-job","rss_kb":8000,"swap_kb":800,"oom_score":1000,"oom_score_adj":1000,"score":1000,"rule":"score"}' ]]
	run rank -k 1 -o pid,start,missing,comm
	[ "$output" = "$(printf '320\t2200\t\tlogrotate')" ]
}

@test "rank: rules see the whole cmdline past 4 KiB; the record's is cut and says so" {
	cp -r "$FR/proc" "$T/proc"
	head -c 3000 /dev/zero | tr '\0' a > "$T/arg"
	head -c 3000 /dev/zero | tr '\0' b > "$T/brg"
	{ printf 'tool\0'; cat "$T/arg"; printf '\0'; cat "$T/arg"; printf '\0'; cat "$T/brg"; printf '\0'; } \
		> "$T/proc/500/cmdline"
	foom-rank --proc "$T/proc" --cgroup-root "$FR/cg-v1" --prefer name=orphan -k 1 > "$T/out"
	[ "$(recio -o pid,cut "$T/out")" = "$(printf '500\tcmdline')" ]
	recio -o cmdline "$T/out" > "$T/cmd"
	# quoted (it holds blanks): 4094 bytes of it fit in 4096
	[ "$(tr -d '\n' < "$T/cmd" | wc -c)" -eq 4094 ]
	[ "$(cut -c1-9 "$T/cmd")" = "tool aaaa" ]
	[ "$(cut -c3005-3007 "$T/cmd")" = "a a" ]
	# a protect rule on what lies past 8 KiB still matches
	foom-rank --proc "$T/proc" --cgroup-root "$FR/cg-v1" --prefer name=orphan \
		--protect 'cmdline=b{3000}$' -o pid > "$T/pids"
	! grep -qx 500 "$T/pids"
	[ -s "$T/pids" ]
	foom-rank --proc "$T/proc" --cgroup-root "$FR/cg-v1" --prefer name=orphan \
		--prefer 'cmdline=b{3000}$' -k 1 -o pid,rule > "$T/r"
	[ "$(cat "$T/r")" = "$(printf '500\tprefer name=orphan')" ]
}

@test "rank: exit 1 when there is no candidate" {
	run rank -s cgroup:/init.scope
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}

@test "rank: exit 2 for a bad pattern, quoting PCRE2's message and offset" {
	run rank --prefer 'name=(web'
	[ "$status" -eq 2 ]
	[ "$output" = "foom-rank: --prefer: bad pattern '(web' at offset 4: missing closing parenthesis" ]
	run rank --protect 'nam=x'
	[ "$status" -eq 2 ]
	[[ "$output" == "foom-rank: --protect: unknown field in 'nam=x' (want FIELD=REGEX"* ]]
	run rank --avoid 'cmdline='
	[ "$status" -eq 2 ]
	[[ "$output" == *"empty pattern"* ]]
}

@test "rank: exit 2 for a bad policy line, naming the file and line" {
	printf '# ok\nprotect name=^init$\n\nprefer cmdline=a(b scope=node\n' > "$T/p1"
	run rank -P "$T/p1"
	[ "$status" -eq 2 ]
	[ "$output" = "foom-rank: $T/p1:4: bad pattern 'a(b' at offset 3: missing closing parenthesis" ]
	printf 'kill name=x\n' > "$T/p2"
	run rank -P "$T/p2"
	[ "$output" = "foom-rank: $T/p2:1: unknown action 'kill' (want protect, prefer or avoid)" ]
	printf 'avoid\tcolor=red\n' > "$T/p3"
	run rank -P "$T/p3"
	[[ "$output" == "foom-rank: $T/p3:1: unknown field 'color' (want name"* ]]
	printf 'prefer scope=node\n' > "$T/p4"
	run rank -P "$T/p4"
	[ "$output" = "foom-rank: $T/p4:1: 'prefer' wants at least one FIELD=REGEX" ]
	printf 'prefer name="a b\n' > "$T/p5"
	run rank -P "$T/p5"
	[ "$output" = "foom-rank: $T/p5:1: unterminated quote in 'name='" ]
	printf 'prefer name=a scope=x scope=y\n' > "$T/p6"
	run rank -P "$T/p6"
	[ "$output" = "foom-rank: $T/p6:1: scope= given twice" ]
	printf 'prefer name\n' > "$T/p7"
	run rank -P "$T/p7"
	[ "$output" = "foom-rank: $T/p7:1: expected FIELD=REGEX at 'name'" ]
	printf 'prefer scope=(\n' > "$T/p8"
	run rank -P "$T/p8"
	[[ "$output" == "foom-rank: $T/p8:1: bad pattern '(' at offset 1: "* ]]
	for f in p1 p2 p3 p4 p5 p6 p7 p8; do
		run rank -P "$T/$f"
		[ "$status" -eq 2 ]
	done
}

@test "rank: the policy file: comments, blanks, quotes, several patterns, scope=" {
	printf '%s\n' '   # indented comment' '' \
		'prefer name=^nginx$ user=^www-data$   # both must match' \
		'prefer name=^postgres$ scope=^pod:   # not in the node scope' \
		'avoid cmdline="-m app\.server" ' > "$T/p"
	run rank -P "$T/p" -o pid,rule
	[ "${lines[0]}" = "$(printf '301\tprefer name=^nginx$ user=^www-data$')" ]
	[ "${lines[1]}" = "$(printf '320\tscore')" ]
	# -o escapes the backslash
	[ "${lines[8]}" = "$(printf '%s\t%s' 200 'avoid cmdline="-m app\\.server"')" ]
	[ "${#lines[@]}" -eq 9 ]
}

@test "rank: exit 2 for bad options and scopes" {
	run rank -s pod:nowhere
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad pod in scope 'pod:nowhere'"* ]]
	run rank -s pod:default/nope
	[ "$status" -eq 2 ]
	[[ "$output" == *"no pod 'default/nope'"* ]]
	run rank -k 0
	[ "$status" -eq 2 ]
	run rank --by size
	[ "$status" -eq 2 ]
	[[ "$output" == *"--by wants oom_score, rss or growth, not 'size'"* ]]
	run rank --by growth
	[ "$status" -eq 2 ]
	[[ "$output" == *"--by growth needs -d SECONDS (or -f)"* ]]
	run rank -f -s node
	[ "$status" -eq 2 ]
	run rank -f -d 1
	[ "$status" -eq 2 ]
	run rank --pass
	[ "$status" -eq 2 ]
	run rank -f --trigger panic
	[ "$status" -eq 2 ]
	run rank --max-procs 0
	[ "$status" -eq 2 ]
}

@test "rank: exit 3 when /proc or the policy file cannot be read" {
	run foom-rank --proc "$T/nowhere"
	[ "$status" -eq 3 ]
	[[ "$output" == "foom-rank: cannot open '$T/nowhere': No such file or directory" ]]
	run rank -P "$T/nopolicy"
	[ "$status" -eq 3 ]
	[ "$output" = "foom-rank: cannot read '$T/nopolicy': No such file or directory" ]
	run rank --passwd "$T/nopasswd"
	[ "$status" -eq 3 ]
}

# Fixture PIDs start above the kernel's PID_MAX_LIMIT (4194304): no live
# process, foom-rank or one of its ancestors, ever has one of them.
FAKE_PID0=4194304
# gen_procs DIR FIRST LAST: processes FAKE_PID0 + FIRST..LAST in a /proc
# tree at DIR
gen_procs() {
	awk -v d="$1" -v a="$2" -v b="$3" -v z="$FAKE_PID0" 'BEGIN {
		for (n = a; n <= b; n++) {
			pid = z + n
			p = d "/" pid
			system("mkdir -p " p)
			printf "%d (w%d) S 1 %d %d 0 -1 4194560 1 0 0 0 5 2 0 0 20 0 1 0 %d 1000 %d 0\n", \
				pid, n, pid, pid, 1000 + n, 10 + n % 50 > (p "/stat")
			printf "Name:\tw%d\nPid:\t%d\nUid:\t0\t0\t0\t0\nNSpid:\t%d\nVmRSS:\t100 kB\n", \
				n, pid, pid > (p "/status")
			printf "1\n" > (p "/oom_score")
			printf "0\n" > (p "/oom_score_adj")
			close(p "/stat"); close(p "/status"); close(p "/oom_score"); close(p "/oom_score_adj")
		}
	}'
}

@test "rank -f: the tables are sized to the node's processes and grow with them, after the victims" {
	mkdir "$T/p"
	echo "50000.00 90000.00" > "$T/p/uptime"
	gen_procs "$T/p" 1000 1299
	mkfifo "$T/in"
	foom-rank -f --by rss -k 5000 -o pid --proc "$T/p" --cgroup-root "$T/nocg" \
		"$T/in" > "$T/out" 2> "$T/err" &
	rp=$!
	exec 7> "$T/in"
	echo "verdict ts=1.000 scope=node level=oom" >&7
	poll 600 lines_at_least "$T/out" 300
	# 1300 now: more than the tables sized for 300 hold
	gen_procs "$T/p" 1300 2299
	echo "verdict ts=2.000 scope=node level=oom" >&7
	poll 600 lines_at_least "$T/err" 1
	# grown after that scan's victims: the next scan takes every one
	echo "verdict ts=3.000 scope=node level=oom" >&7
	exec 7>&-
	wait "$rp"
	grep -v oom_score_adj "$T/err" > "$T/warn" || true
	[ "$(wc -l < "$T/warn")" -eq 1 ]
	grep -q "foom-rank: more than 706 processes in 'node': 594 not ranked" "$T/warn"
	[ "$(wc -l < "$T/out")" -eq $((300 + 706 + 1300)) ]
	[ "$(tail -1300 "$T/out" | sort -n | uniq | wc -l)" -eq 1300 ]
}

@test "rank: one-shot, a cgroup with more processes than its first tables is ranked whole" {
	local i
	mkdir -p "$T/p" "$T/cg/memory/pod"
	echo "50000.00 90000.00" > "$T/p/uptime"
	gen_procs "$T/p" 1000 1299
	: > "$T/cg/memory/pod/memory.usage_in_bytes"
	for i in $(seq $((FAKE_PID0 + 1000)) $((FAKE_PID0 + 1299))); do
		echo "12:memory:/pod" > "$T/p/$i/cgroup"
		echo "$i"
	done > "$T/cg/memory/pod/cgroup.procs"
	foom-rank -s cgroup:/pod --by rss -o pid --proc "$T/p" --cgroup-root "$T/cg" \
		> "$T/out" 2> "$T/err"
	cat "$T/err"
	[ ! -s "$T/err" ]
	[ "$(sort -n "$T/out" | uniq | wc -l)" -eq 300 ]
}

@test "rank: the table is bounded by --max-procs, with a warning" {
	run rank --max-procs 3 -o pid
	[ "$status" -eq 0 ]
	[[ "$output" == *"foom-rank: more than 3 processes in 'node': "*" not ranked (see --max-procs)"* ]]
}

@test "rank -f: a verdict at the trigger ranks its scope, with trigger_ts (golden)" {
	cat > "$T/in" <<'IN'
sample ts=999.000 scope=node avail_kb=100
verdict ts=1000.000 scope=node level=warn risk=0.40 reason="available falling"
verdict ts=1001.000 scope=pod:prod/api-0 cgroup=/kubepods/burstable/pod7d3e9a10-2b4c-4d6e-9f80-1a2b3c4d5e6f level=near-oom risk=0.90 reason="refaults"
verdict ts=1002.000 scope=pod:default/web-1 level=oom risk=1.00 reason="failcnt"
verdict ts=1003.000 scope=cgroup:/system.slice level=near-oom risk=0.80 reason="stall"
IN
	rank -f -P "$FR/policy" "$T/in" > "$T/out" 2> "$T/err"
	nots < "$T/out" > "$T/got"
	assert_golden "$FR/follow.golden" "$T/got"
	# stderr holds at most proc_harden's warnings where not permitted
	[ "$(grep -cv 'oom_score_adj\|mlockall' "$T/err")" -eq 0 ]
}

@test "rank -f: below the trigger nothing; --trigger moves it; -k N victims" {
	printf 'verdict ts=1.000 scope=node level=warn risk=0.4\n' > "$T/warn"
	rank -f -o pid "$T/warn" > "$T/o0"
	[ ! -s "$T/o0" ]
	run rank -f --trigger warn -k 2 -o pid,trigger_ts "$T/warn"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -v '^foom-rank:')" = "$(printf '320\t1.000\n301\t1.000')" ]
	printf 'verdict ts=2.000 scope=node level=near-oom\n' | rank -f --trigger oom -o pid > "$T/o"
	[ ! -s "$T/o" ]
}

@test "rank -f --pass: every record through, in order, victims after their verdict" {
	printf '%s\n' 'sample ts=1.000 scope=node a=1' 'event ts=1.500 scope=node kind=x' \
		'verdict ts=2.000 scope=node level=oom' 'sample ts=3.000 scope=node a=2' > "$T/in"
	rank -f --pass "$T/in" > "$T/out"
	[ "$(cut -d' ' -f1,2 "$T/out" | sed -E 's/^victim ts=[0-9]+\.[0-9]{3}$/victim ts=NOW/')" = "$(printf '%s\n' \
		'sample ts=1.000' 'event ts=1.500' 'verdict ts=2.000' 'victim ts=NOW' 'sample ts=3.000')" ] ||
		{ cat "$T/out"; false; }
	grep -q '^victim .* pid=320 .* trigger_ts=2.000$' "$T/out"
}

@test "rank -f: a bad line is named, skipped, the stream goes on, exit 2" {
	printf '%s\n' 'verdict ts=1.000 scope=node level=oom' 'verdict ts=2.000 scope="open' \
		'verdict ts=3.000 scope=node level=panic' 'verdict ts=4.000 scope=galaxy level=oom' \
		'verdict scope=node level=oom' 'verdict ts=6.000 scope=node level=oom' > "$T/in"
	status=0
	rank -f -o trigger_ts "$T/in" > "$T/out" 2> "$T/err" || status=$?
	[ "$status" -eq 2 ] || { echo "status $status"; false; }
	[ "$(pids < "$T/out")" = "1.000 6.000" ]
	grep -q "in:2: bad record: unterminated quoted value of 'scope'" "$T/err"
	grep -q "in:3: bad verdict: no level ok, warn, near-oom or oom" "$T/err"
	grep -q "in:4: unknown scope 'galaxy'" "$T/err"
	grep -q "in:5: bad verdict: no ts" "$T/err"
}

@test "rank -f --by growth: who grew since the last trigger goes first" {
	cp -r "$FR/proc" "$T/proc"
	mkfifo "$T/fifo"
	foom-rank -f --by growth -k 3 --proc "$T/proc" --cgroup-root "$FR/cg-v1" \
		-o pid,score,growth_kbps,trigger_ts < "$T/fifo" > "$T/out" 2> "$T/err" &
	bg=$!
	exec 5> "$T/fifo"
	echo 'verdict ts=1000.000 scope=node level=near-oom' >&5
	for i in $(seq 200); do
		[ "$(wc -l < "$T/out")" -ge 3 ] && break
		sleep 0.05
	done
	# worker (400) grows by 10240 kB; a process born since (start after
	# the uptime of the first scan) has 5120 kB
	# (rewritten in place: in follow mode the file stays open, as /proc's)
	st=$(sed -E 's/^(400 .* 0 3000 [0-9]+) 80000 /\1 82560 /' "$T/proc/400/stat")
	echo "$st" > "$T/proc/400/stat"
	cp -r "$T/proc/500" "$T/proc/600"
	sed -i -E 's/^500 (.*) 0 4000 ([0-9]+) 1000 /600 \1 0 10000100 \2 1280 /' "$T/proc/600/stat"
	echo 'verdict ts=1010.000 scope=node level=near-oom' >&5
	exec 5>&-
	wait "$bg"
	assert_golden "$FR/growth.golden" "$T/out"
}

@test "rank: live, the bigger of two processes in a memory cgroup comes first" {
	memcg_create rank 536870912
	# in their own session: foom-rank passes over its own process group,
	# which a non-interactive shell shares with everything it starts
	in_memcg setsid sleep 600
	small=$PID
	in_memcg setsid sh -c 'v=$(head -c 60000000 /dev/zero | tr "\0" x); echo > "$0"; sleep 600; echo ${#v}' "$T/ready"
	big=$PID
	for i in $(seq 200); do
		[ -e "$T/ready" ] && break
		sleep 0.05
	done
	[ -e "$T/ready" ]
	run foom-rank -s "cgroup:$MEMCG_PATH" --by rss -o pid,cgroup,rss_kb
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$(echo "${lines[0]}" | cut -f1)" = "$big" ]
	[ "$(echo "${lines[0]}" | cut -f3)" -gt 50000 ]
	echo "$output" | cut -f1 | grep -qx "$small"
	# nothing from outside the cgroup: its processes are all there is
	[ "$(echo "$output" | cut -f2 | sort -u)" = "$MEMCG_PATH" ]
	[ "$(echo "$output" | cut -f1 | sort)" = "$(sort "$MEMCG_DIR/cgroup.procs")" ]
	# following: later scans take RSS from the files kept open since
	# the first; every trigger names the same, bigger process
	for ts in 1 2 3; do
		echo "verdict ts=$ts.000 scope=cgroup:$MEMCG_PATH level=near-oom"
	done > "$T/v"
	foom-rank -f --by rss -o pid,start,trigger_ts "$T/v" > "$T/f"
	start=$(cut -d' ' -f22 "/proc/$big/stat")
	[ "$(cat "$T/f")" = "$(printf '%s\t%s\t%s\n' "$big" "$start" 1.000 "$big" "$start" 2.000 \
		"$big" "$start" 3.000)" ]
}

@test "rank: live, a cgroup scope takes its child cgroups' processes, and none moved out" {
	memcg_create rankc 268435456
	mkdir "$MEMCG_DIR/child"
	in_memcg setsid sleep 600
	top=$PID
	echo "$top" >> "$T/child-pids"
	setsid sh -c 'echo $$ > "$0/cgroup.procs" && exec sleep 600' "$MEMCG_DIR/child" &
	kid=$!
	echo "$kid" >> "$T/child-pids"
	for i in $(seq 100); do
		grep -qx "$kid" "$MEMCG_DIR/child/cgroup.procs" && grep -qx "$top" "$MEMCG_DIR/cgroup.procs" && break
		sleep 0.05
	done
	run foom-rank -s "cgroup:$MEMCG_PATH" -o pid,cgroup
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | cut -f1 | sort -n | pids)" = "$(printf '%s\n' "$top" "$kid" | sort -n | pids)" ]
	echo "$output" | grep -qx "$kid	$MEMCG_PATH/child"
	# moved out, to the test's own cgroup: no longer the scope's
	echo "$kid" > "$(dirname "$MEMCG_DIR")/cgroup.procs"
	run foom-rank -s "cgroup:$MEMCG_PATH" -o pid
	[ "$output" = "$top" ]
}

@test "rank -f: fresh evidence triggers, a held level does not; evidence_ts goes to the victim" {
	printf '%s\n' \
		'verdict ts=1.000 scope=node level=near-oom fresh=ok evidence_ts=0.000' \
		'verdict ts=2.000 scope=node level=near-oom fresh=warn evidence_ts=1.000' \
		'verdict ts=3.000 scope=node level=ok fresh=near-oom evidence_ts=2.100' \
		'verdict ts=4.000 scope=node level=near-oom' > "$T/in"
	rank -f -o trigger_ts,evidence_ts,pid "$T/in" > "$T/out"
	# the held verdicts rank nothing; a verdict without fresh= ranks on level=
	[ "$(cat "$T/out")" = "$(printf '3.000\t2.100\t320\n4.000\t\t320')" ]
	printf 'verdict ts=1.000 scope=node level=near-oom fresh=panic\n' > "$T/bad"
	run rank -f -o pid "$T/bad"
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad:1: bad verdict: fresh is not ok, warn, near-oom or oom"* ]]
}

@test "rank -f: a verdict whose scope was cut is refused, nothing ranked" {
	printf 'verdict ts=1.000 scope=cgroup:/a level=near-oom cut=scope\n' > "$T/in"
	run rank -f -o pid "$T/in"
	[ "$status" -eq 2 ]
	[[ "$output" == *"in:1: bad verdict: its scope was cut: not ranked"* ]]
	[[ "$output" != *320* ]]
}

@test "rank -f: 'no candidate' is said once an episode" {
	for i in 1 2 3; do echo "verdict ts=$i.000 scope=cgroup:/nobody level=near-oom"; done > "$T/in"
	echo 'verdict ts=4.000 scope=cgroup:/nobody level=ok' >> "$T/in"
	for i in 5 6; do echo "verdict ts=$i.000 scope=cgroup:/nobody level=near-oom"; done >> "$T/in"
	rank -f "$T/in" > "$T/out" 2> "$T/err"
	[ ! -s "$T/out" ]
	[ "$(grep -c "no candidate in 'cgroup:/nobody'" "$T/err")" -eq 2 ]
}

@test "rank -f: live, a process that exec's into a protected name is judged by its new name" {
	memcg_create rename $((64 << 20))
	cp "$(command -v sleep)" "$T/protectme"
	mkfifo "$T/go" "$T/verdicts"
	in_memcg sh -c 'read x < "$0"; exec "$1" 300' "$T/go" "$T/protectme"
	victim=$PID
	# in its cgroup, and still the shell waiting to exec, before a scan
	for i in $(seq 200); do grep -qx "$victim" "$MEMCG_DIR/cgroup.procs" && break; sleep 0.05; done
	grep -qx "$victim" "$MEMCG_DIR/cgroup.procs"
	foom-rank -f --protect 'name=^protectme$' -o pid,comm < "$T/verdicts" > "$T/out" 2> "$T/err" &
	rpid=$!
	exec 5> "$T/verdicts"
	echo "verdict ts=1.000 scope=cgroup:$MEMCG_PATH level=near-oom" >&5
	for i in $(seq 1 200); do [ -s "$T/out" ] && break; sleep 0.05; done
	[ "$(cat "$T/out")" = "$(printf '%s\tsh' "$victim")" ]
	echo go > "$T/go"
	for i in $(seq 1 200); do [ "$(cat /proc/$victim/comm)" = protectme ] && break; sleep 0.05; done
	[ "$(cat /proc/$victim/comm)" = protectme ]
	echo "verdict ts=2.000 scope=cgroup:$MEMCG_PATH level=near-oom" >&5
	exec 5>&-
	wait "$rpid" || true
	# the second scan saw the new name: no candidate, the process kept
	[ "$(wc -l < "$T/out")" -eq 1 ]
	grep -q "no candidate in 'cgroup:$MEMCG_PATH'" "$T/err"
	kill -0 "$victim"
}

@test "rank | kill: live, a cmdline of control bytes in a pod-long cgroup path cannot evade the kill" {
	memcg_create evade $((64 << 20))
	long=kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0123abcd_4567_89ef_0123_456789abcdef.slice/cri-containerd-$(printf '%064d' 7).scope
	mkdir -p "$MEMCG_DIR/$long"
	evil=$(head -c 4090 /dev/zero | tr '\0' '\001')
	bash -c 'echo $$ > "$0/cgroup.procs" && exec -a "$1" sleep 300' "$MEMCG_DIR/$long" "$evil" &
	victim=$!
	for i in $(seq 1 100); do
		grep -q "$long" /proc/$victim/cgroup 2>/dev/null &&
			[ "$(cat /proc/$victim/comm)" = sleep ] && break
		sleep 0.05
	done
	foom-rank -s "cgroup:$MEMCG_PATH" -k 1 > "$T/victim"
	[ "$(recio -o pid,cut "$T/victim")" = "$(printf '%s\tcmdline' "$victim")" ]
	run foom-kill -f --cooldown 0 "$T/victim"
	# (memcg_destroy removes the levels made beneath, deepest first)
	[ "$status" -eq 0 ]
	[[ "$output" == *" pid=$victim "*" result=killed "* ]]
	! kill -0 "$victim" 2>/dev/null
}

@test "rank: the example policy protects lifelines by exe and user, not by a name anyone can take" {
	cp "$(command -v sleep)" "$T/sshd"
	"$T/sshd" 300 &
	fake=$!
	for i in $(seq 200); do [ "$(cat /proc/$fake/comm)" = sshd ] && break; sleep 0.05; done
	run foom-rank -P "$TOP/dist/policy.example" -o pid,comm
	kill "$fake"
	[ "$status" -eq 0 ]
	echo "$output" | awk -v p="$fake" '$1 == p && $2 == "sshd" { ok = 1 } END { exit !ok }'
	# the real sshd, where one runs, is not listed
	for p in $(pgrep -x sshd || true); do
		[ "$(readlink /proc/$p/exe)" = /usr/sbin/sshd ] || continue
		echo "$output" | awk -v p="$p" '$1 == p { bad = 1 } END { exit bad }'
	done
}
