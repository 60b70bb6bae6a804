#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# foom-metrics: the exposition of a record stream, checked by promtool
# (Debian's prometheus) and served by a real node_exporter reading the
# textfile directory on a loopback port, scraped with curl.

load helper

setup() {
	T=$BATS_TEST_TMPDIR
}

teardown() {
	[ -z "${EXPORTER:-}" ] || { kill "$EXPORTER" 2>/dev/null || :; wait "$EXPORTER" 2>/dev/null || :; }
	[ -z "${FM:-}" ] || { kill "$FM" 2>/dev/null || :; wait "$FM" 2>/dev/null || :; }
	[ -z "${WATCH:-}" ] || { kill -TERM "$WATCH" 2>/dev/null || :; wait "$WATCH" 2>/dev/null || :; }
}

need_promtool() {
	command -v promtool >/dev/null || skip "no promtool (make deps installs Debian's prometheus)"
}

# until_file FILE PATTERN: until FILE holds a line matching PATTERN (grep -E).
until_file() {
	local i
	for i in $(seq 300); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no '$2' in $1:" >&2
	cat "$1" >&2 || :
	return 1
}

@test "metrics: a stream's exposition, exactly, hostile names escaped" {
	printf '%s\n' \
		'sample ts=10 scope=node limit_kb=1000 avail_kb=250' \
		'verdict ts=10 scope=node level=warn fresh=warn risk=0.55 eta_s=12.5 reason=x' \
		'verdict ts=11 scope="cgroup:/a\\b\"c\nd" level=near-oom risk=0.8' \
		'sample ts=11 scope="cgroup:/a\\b\"c\nd" limit_kb=-5 avail_kb=nan' \
		'verdict ts=12 scope=cgroup:/bogus level=panic risk=7 eta_s=-1' \
		'victim ts=12 scope=node pid=9 start=1' \
		'kill ts=12 scope=node pid=9 comm=x result=killed rule="prefer name=^x$" freed_kb=100' \
		'kill ts=13 scope=node pid=10 comm=y result=killed rule="prefer name=^x$" freed_kb=50' \
		'kill ts=13 scope=node pid=11 result=stale' \
		'event ts=14 kind=memcg-oom scope=cgroup:/b result=killed pid=5' \
		'event ts=15 kind=foom-kill scope=node result=killed pid=9' \
		'bogus ts=16' \
		'not a record "' > "$T/in"
	printf 'verdict ts=16 scope=cgroup:/\xff\xfe\xc3\xa9 level=ok risk=0\n' >> "$T/in"
	run foom-metrics "$T/in"
	[ "$status" -eq 2 ]
	[[ "$output" == *"foom-metrics: $T/in:13: bad record: "* ]]
	foom-metrics "$T/in" > "$T/out" 2>/dev/null || :
	cat > "$T/want" <<-'EOF'
	# HELP foom_level The scope's level in foom-predict's latest verdict: 1 for the level it is at, 0 for the others.
	# TYPE foom_level gauge
	foom_level{scope="node",level="ok"} 0
	foom_level{scope="node",level="warn"} 1
	foom_level{scope="node",level="near-oom"} 0
	foom_level{scope="node",level="oom"} 0
	foom_level{scope="cgroup:/a\\b\"c\nd",level="ok"} 0
	foom_level{scope="cgroup:/a\\b\"c\nd",level="warn"} 0
	foom_level{scope="cgroup:/a\\b\"c\nd",level="near-oom"} 1
	foom_level{scope="cgroup:/a\\b\"c\nd",level="oom"} 0
	foom_level{scope="cgroup:/��é",level="ok"} 1
	foom_level{scope="cgroup:/��é",level="warn"} 0
	foom_level{scope="cgroup:/��é",level="near-oom"} 0
	foom_level{scope="cgroup:/��é",level="oom"} 0
	# HELP foom_risk_ratio The risk of the latest verdict, 0 to 1 (near-oom from 0.75).
	# TYPE foom_risk_ratio gauge
	foom_risk_ratio{scope="node"} 0.55
	foom_risk_ratio{scope="cgroup:/a\\b\"c\nd"} 0.8
	foom_risk_ratio{scope="cgroup:/��é"} 0
	# HELP foom_eta_seconds Seconds until available memory runs out at its trend; absent while it is not falling.
	# TYPE foom_eta_seconds gauge
	foom_eta_seconds{scope="node"} 12.5
	# HELP foom_available_bytes The limit minus the working set, from the latest sample.
	# TYPE foom_available_bytes gauge
	foom_available_bytes{scope="node"} 256000
	# HELP foom_limit_bytes The scope's memory limit, from the latest sample.
	# TYPE foom_limit_bytes gauge
	foom_limit_bytes{scope="node"} 1024000
	# HELP foom_kills_total foom-kill's kill records, by scope, result and rule.
	# TYPE foom_kills_total counter
	foom_kills_total{scope="node",result="killed",rule="prefer name=^x$"} 2
	foom_kills_total{scope="node",result="stale",rule=""} 1
	# HELP foom_kill_freed_bytes_total Memory the victims' exits gave back, by scope, result and rule.
	# TYPE foom_kill_freed_bytes_total counter
	foom_kill_freed_bytes_total{scope="node",result="killed",rule="prefer name=^x$"} 153600
	foom_kill_freed_bytes_total{scope="node",result="stale",rule=""} 0
	# HELP foom_kernel_oom_kills_total The kernel's OOM reports (foom-events), by scope, kind and result.
	# TYPE foom_kernel_oom_kills_total counter
	foom_kernel_oom_kills_total{scope="cgroup:/b",kind="memcg-oom",result="killed"} 1
	# HELP foom_records_total Records read, by kind.
	# TYPE foom_records_total counter
	foom_records_total{kind="sample"} 2
	foom_records_total{kind="verdict"} 4
	foom_records_total{kind="victim"} 1
	foom_records_total{kind="kill"} 3
	foom_records_total{kind="event"} 2
	foom_records_total{kind="other"} 1
	# HELP foom_bad_records_total Input lines that were not records.
	# TYPE foom_bad_records_total counter
	foom_bad_records_total 1
	# HELP foom_dropped_series_total Records not counted because their table was full (--max-scopes, --max-series).
	# TYPE foom_dropped_series_total counter
	foom_dropped_series_total 0
	# HELP foom_last_record_timestamp_seconds The ts of the latest record read.
	# TYPE foom_last_record_timestamp_seconds gauge
	foom_last_record_timestamp_seconds 16
	EOF
	assert_golden "$T/want" "$T/out"
}

@test "metrics: promtool passes the exposition of hostile names and of a real trace" {
	need_promtool
	need_traces
	printf 'verdict ts=1 scope="pod:a/b\\\\\\"\\n}x{y=\\"1\\"" level=oom risk=1\n' > "$T/hostile"
	printf 'kill ts=1 scope="cgroup:/x\\ny" comm="\\"" result=killed rule="prefer name=\\"\\\\\\\\\\""\n' >> "$T/hostile"
	printf 'verdict ts=2 scope=cgroup:/\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80 level=ok risk=0\n' >> "$T/hostile"
	foom-metrics "$T/hostile" > "$T/hostile.prom"
	run promtool check metrics < "$T/hostile.prom"
	echo "$output"
	[ "$status" -eq 0 ]
	# a real near-OOM trace, replayed: samples and verdicts; foom-kill's
	# log and a kernel log through foom-events
	local dir t ts
	dir=$(unpack_trace "$(trace_names | head -1)")
	tail -n +2 "$dir/ticks.tsv" | head -100 | while read -r t ts; do
		foom-sample --proc "$dir/$(printf '%05d' "$t")/proc" \
			--cgroup-root "$dir/$(printf '%05d' "$t")/cgroup" -s cgroup:/foom-trace --ts "$ts"
	done | foom-predict --pass > "$T/stream"
	[ "$(grep -c '^verdict ' "$T/stream")" -eq 100 ]
	foom-events "$FIX/events/kern.log" "$FIX/events/foom.log" >> "$T/stream"
	cat "$FIX/events/foom.log" >> "$T/stream"
	foom-metrics "$T/stream" > "$T/trace.prom"
	run promtool check metrics < "$T/trace.prom"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^foom_level{scope="cgroup:/foom-trace",level="ok"} [01]$' "$T/trace.prom"
	grep -q '^foom_limit_bytes{scope="cgroup:/foom-trace"} 536870912$' "$T/trace.prom"
	[ "$(awk '/^foom_kills_total/ { n += $NF } END { print n }' "$T/trace.prom")" = \
		"$(grep -c '^kill ' "$FIX/events/foom.log")" ]
	grep -q '^foom_kernel_oom_kills_total{scope="cgroup:/system.slice/batch.service",kind="memcg-oom",result="killed"} 1$' "$T/trace.prom"
}

@test "metrics: usage and system errors, one a row" {
	local args st want
	while IFS='|' read -r args st want; do
		eval "run foom-metrics $args"
		echo "row: $args -> $status: $output"
		[ "$status" -eq "$st" ]
		[[ "$output" == *"foom-metrics: $want"* ]]
	done <<-'EOF'
	--pass </dev/null|2|--pass needs --textfile
	--textfile=/nonexistent </dev/null|3|cannot open the directory '/nonexistent'
	--textfile=/dev/null </dev/null|3|cannot open the directory '/dev/null'
	--textfile=/tmp -i 0 </dev/null|2|--interval: '0' is not a number of seconds
	--forget=-1 </dev/null|2|--forget: '-1' is not a number of seconds
	--max-scopes=0 </dev/null|2|'0' is not a number from 1 to 1000000
	--max-series=x </dev/null|2|'x' is not a number from 1 to 1000000
	/nonexistent/kills.log|3|cannot open '/nonexistent/kills.log'
	EOF
}

@test "metrics: full tables drop and count, and keep what they hold" {
	printf '%s\n' 'verdict ts=1 scope=a level=ok risk=0' 'verdict ts=1 scope=b level=oom risk=1' \
		'kill ts=1 scope=a result=killed' 'kill ts=1 scope=b result=killed' \
		'kill ts=1 scope=a result=killed' 'verdict ts=2 scope=a level=warn risk=0.5' > "$T/in"
	run foom-metrics --max-scopes 1 --max-series 1 "$T/in"
	[ "$status" -eq 0 ]
	[[ "$output" == *'foom_level{scope="a",level="warn"} 1'* ]]
	[[ "$output" != *'scope="b"'* ]]
	[[ "$output" == *'foom_kills_total{scope="a",result="killed",rule=""} 2'* ]]
	[[ "$output" == *'foom_dropped_series_total 2'* ]]
}

@test "metrics: --textfile is there from the start, rewritten while reading, renamed whole" {
	mkdir "$T/tf"
	mkfifo "$T/in"
	foom-metrics --textfile "$T/tf" -i 0.1 --pass < "$T/in" > "$T/out" 2> "$T/err" &
	FM=$!
	exec 5> "$T/in"
	until_file "$T/tf/foom.prom" '^foom_records_total\{kind="verdict"\} 0$'
	echo 'verdict ts=5 scope=node level=near-oom risk=0.9' >&5
	until_file "$T/tf/foom.prom" '^foom_level\{scope="node",level="near-oom"\} 1$'
	echo 'kill ts=6 scope=node result=killed rule=score' >&5
	until_file "$T/tf/foom.prom" '^foom_kills_total\{scope="node",result="killed",rule="score"\} 1$'
	# --pass copied the records, as they came
	until_file "$T/out" '^kill ts=6 '
	exec 5>&-
	wait "$FM"
	FM=
	[ "$(cat "$T/out")" = "verdict ts=5 scope=node level=near-oom risk=0.9
kill ts=6 scope=node result=killed rule=score" ]
	# only the file itself is left: its temporary copies are renamed
	[ "$(ls -A "$T/tf")" = foom.prom ]
	[ ! -s "$T/err" ]
}

@test "metrics: with --forget, a scope gone quiet loses its gauges, not its counters" {
	mkdir "$T/tf"
	mkfifo "$T/in"
	foom-metrics --textfile "$T/tf" -i 0.1 --forget 0.5 < "$T/in" > /dev/null 2> "$T/err" &
	FM=$!
	exec 5> "$T/in"
	echo 'verdict ts=1 scope=pod:a/gone level=warn risk=0.5' >&5
	echo 'kill ts=1 scope=pod:a/gone result=killed rule=score' >&5
	until_file "$T/tf/foom.prom" '^foom_risk_ratio\{scope="pod:a/gone"\} 0.5$'
	local i
	for i in $(seq 300); do
		grep -q 'foom_risk_ratio{scope="pod:a/gone"}' "$T/tf/foom.prom" || break
		sleep 0.1
	done
	! grep -q 'foom_level{scope="pod:a/gone"' "$T/tf/foom.prom"
	grep -q '^foom_kills_total{scope="pod:a/gone",result="killed",rule="score"} 1$' "$T/tf/foom.prom"
	exec 5>&-
	wait "$FM"
	FM=
}

# A free loopback port for node_exporter: it is started on a candidate
# and the next is tried when that one was taken.
start_exporter() {
	local dir=$1 port i
	for port in $(shuf -i 20000-60000 -n 20); do
		prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
			--collector.disable-defaults --collector.textfile \
			--collector.textfile.directory="$dir" > "$T/exporter.log" 2>&1 5>&- &
		EXPORTER=$!
		for i in $(seq 100); do
			if curl -sf "http://127.0.0.1:$port/metrics" > /dev/null; then
				PORT=$port
				return 0
			fi
			kill -0 "$EXPORTER" 2>/dev/null || break
			sleep 0.1
		done
		kill "$EXPORTER" 2>/dev/null || :
		wait "$EXPORTER" 2>/dev/null || :
		EXPORTER=
	done
	cat "$T/exporter.log" >&2
	return 1
}

@test "metrics: node_exporter serves the textfile, scraped with curl" {
	command -v prometheus-node-exporter >/dev/null ||
		skip "no prometheus-node-exporter (make deps installs it)"
	command -v curl >/dev/null || skip "no curl (make deps installs it)"
	mkdir "$T/tf"
	mkfifo "$T/in"
	foom-metrics --textfile "$T/tf" -i 0.1 < "$T/in" > /dev/null 2> "$T/err" &
	FM=$!
	exec 5> "$T/in"
	printf '%s\n' 'verdict ts=1 scope="cgroup:/a\"b" level=near-oom risk=0.8 eta_s=3' \
		'sample ts=1 scope="cgroup:/a\"b" limit_kb=524288 avail_kb=1024' \
		'kill ts=2 scope="cgroup:/a\"b" result=killed rule="prefer name=^hog$" freed_kb=409600' >&5
	until_file "$T/tf/foom.prom" '^foom_kill_freed_bytes_total'
	start_exporter "$T/tf"
	curl -sf "http://127.0.0.1:$PORT/metrics" > "$T/scrape"
	grep -E '^node_textfile_scrape_error 0$' "$T/scrape"
	grep -F 'foom_level{level="near-oom",scope="cgroup:/a\"b"} 1' "$T/scrape"
	grep -F 'foom_eta_seconds{scope="cgroup:/a\"b"} 3' "$T/scrape"
	grep -F 'foom_available_bytes{scope="cgroup:/a\"b"} 1.048576e+06' "$T/scrape"
	grep -F 'foom_kills_total{result="killed",rule="prefer name=^hog$",scope="cgroup:/a\"b"} 1' "$T/scrape"
	grep -F 'foom_kill_freed_bytes_total{result="killed",rule="prefer name=^hog$",scope="cgroup:/a\"b"} 4.194304e+08' "$T/scrape"
	# a second kill, seen on the next scrape
	echo 'kill ts=3 scope="cgroup:/a\"b" result=killed rule="prefer name=^hog$"' >&5
	local i
	for i in $(seq 300); do
		curl -sf "http://127.0.0.1:$PORT/metrics" > "$T/scrape"
		grep -qF 'foom_kills_total{result="killed",rule="prefer name=^hog$",scope="cgroup:/a\"b"} 2' "$T/scrape" && break
		sleep 0.1
	done
	grep -F 'foom_kills_total{result="killed",rule="prefer name=^hog$",scope="cgroup:/a\"b"} 2' "$T/scrape"
	grep -E '^node_textfile_scrape_error 0$' "$T/scrape"
	exec 5>&-
	wait "$FM"
	FM=
}

@test "metrics: foom-watch --metrics keeps the textfile of the running pipeline" {
	mkdir "$T/tf"
	foom-watch -c /dev/null -n --proc "$FIX/sample/hybrid/proc" \
		--cgroup-root "$FIX/sample/hybrid/cgroup" -i 0.1 --metrics "$T/tf" \
		--metrics-opt=--interval=0.1 > "$T/out" 2> "$T/err" &
	WATCH=$!
	until_file "$T/tf/foom.prom" '^foom_level\{scope="node",level="[a-z-]+"\} 1$'
	until_file "$T/tf/foom.prom" '^foom_available_bytes\{scope="node"\} [0-9]'
	until_file "$T/out" '^verdict '
	kill -TERM "$WATCH"
	local st=0
	wait "$WATCH" || st=$?
	WATCH=
	[ "$st" -eq 0 ]
	# the samples fed the metrics, not the output (no -v)
	! grep -q '^sample ' "$T/out"
}

@test "metrics: every option of --help is in the man page and the three completions" {
	local opt missing=
	for opt in $(foom-metrics --help | grep -E '^ +-' | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
		grep -q -- "${opt//-/\\\\-}" "$TOP/man/foom-metrics.1" || missing="$missing man:$opt"
		grep -q -- "$opt" "$TOP/completions/bash/foom-metrics" || missing="$missing bash:$opt"
		grep -q -- "$opt" "$TOP/completions/zsh/_foom-metrics" || missing="$missing zsh:$opt"
		grep -q -- "-l ${opt#--} " "$TOP/completions/fish/foom-metrics.fish" || missing="$missing fish:$opt"
	done
	[ -z "$missing" ] || { echo "missing:$missing" >&2; false; }
}
