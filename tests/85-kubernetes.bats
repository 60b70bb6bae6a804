#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# dist/kubernetes: the manifests against the Kubernetes schemas
# (npm's kubernetes-models, through tests/k8s/validate.js), what the
# DaemonSet must hold, the ConfigMap's settings and policy, the
# Dockerfile's paths against a real "make install", the liveness probe.

load helper

K=$TOP/dist/kubernetes

setup() {
	T=$BATS_TEST_TMPDIR
	command -v node >/dev/null || skip "no node (make deps installs nodejs)"
	[ -d "$TESTS/k8s/node_modules/kubernetes-models" ] ||
		skip "no kubernetes-models (make deps runs npm ci in tests/k8s)"
}

validate() {
	node "$TESTS/k8s/validate.js" "$@"
}

@test "k8s: the DaemonSet and the ConfigMap pass the Kubernetes schemas; a broken one does not" {
	run validate "$K/daemonset.yaml" "$K/configmap.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
	local row from to want
	while IFS='|' read -r from to want; do
		sed "s/$from/$to/" "$K/daemonset.yaml" > "$T/broken.yaml"
		! cmp -s "$K/daemonset.yaml" "$T/broken.yaml"
		run validate "$T/broken.yaml"
		echo "row: $from -> $status: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"$want"* ]]
	done <<-'EOF'
	hostPID: true|hostPID: yes please|hostPID must be boolean
	memory: 128Mi|memory: lots|memory must match format "quantity"
	type: DirectoryOrCreate|type: 7|type must be string
	apiVersion: apps\/v1|apiVersion: apps\/v0|no schema for apiVersion apps/v0
	EOF
}

@test "k8s: the DaemonSet runs on the host's PIDs, node-critical, bounded, probed, with only its capabilities" {
	validate --json "$K/daemonset.yaml" > "$T/ds.json"
	local pod='.spec.template.spec' c='.spec.template.spec.containers[0]'
	[ "$(jq -r "$pod.hostPID" "$T/ds.json")" = true ]
	[ "$(jq -r "$pod.priorityClassName" "$T/ds.json")" = system-node-critical ]
	[ "$(jq -r "$c.resources.requests.memory" "$T/ds.json")" = "$(jq -r "$c.resources.limits.memory" "$T/ds.json")" ]
	[ "$(jq -r "$c.resources.requests.cpu" "$T/ds.json")" = "$(jq -r "$c.resources.limits.cpu" "$T/ds.json")" ]
	[ "$(jq -r "$c.livenessProbe.exec.command[0]" "$T/ds.json")" = sh ]
	[ "$(jq -c "$c.securityContext.capabilities.drop" "$T/ds.json")" = '["ALL"]' ]
	[ "$(jq -r "$c.securityContext.capabilities.add | sort | join(\",\")" "$T/ds.json")" = \
		"DAC_READ_SEARCH,IPC_LOCK,KILL,SETPCAP,SYS_ADMIN,SYS_PTRACE,SYS_RESOURCE" ]
	[ "$(jq -r "$c.securityContext.allowPrivilegeEscalation" "$T/ds.json")" = false ]
	[ "$(jq -r "$c.securityContext.readOnlyRootFilesystem" "$T/ds.json")" = true ]
	# the one capability foom-watch does not need is gone before it starts
	jq -r "$c.command | join(\" \")" "$T/ds.json" | grep -q -- '--bounding-set=-sys_admin,-setpcap .* foom-watch -c /etc/foom/foom.conf$'
	# what foom only reads is mounted read-only; it writes only its log,
	# its metrics, the host lock and its pipes
	[ "$(jq -r "$c.volumeMounts[] | select(.readOnly != true) | .mountPath" "$T/ds.json" | sort | tr '\n' ' ')" = \
		"/run/foom-kill.lock /tmp /var/lib/foom/metrics /var/log/foom " ]
	[ "$(jq -r "$c.volumeMounts[] | select(.readOnly == true) | .mountPath" "$T/ds.json" | sort | tr '\n' ' ')" = \
		"/etc/foom /host/sys/fs/cgroup /var/log/pods " ]
}

@test "k8s: the entrypoint's setpriv, given the DaemonSet's capabilities, leaves foom-watch without SYS_ADMIN and SETPCAP" {
	[ "$(id -u)" = 0 ] || skip "not root"
	validate --json "$K/daemonset.yaml" > "$T/ds.json"
	local c='.spec.template.spec.containers[0]' caps
	# the container's bounding set: only what the DaemonSet adds (root's
	# permitted and effective sets become it at the next exec)
	caps=$(jq -r "$c.securityContext.capabilities.add | map(\"+\" + ascii_downcase) | join(\",\")" "$T/ds.json")
	# the command after nsenter: setpriv ... -- and foom-watch replaced
	jq -r "$c.command | .[index(\"setpriv\"):] | .[:index(\"--\") + 1] | .[]" "$T/ds.json" > "$T/setpriv"
	[ "$(head -1 "$T/setpriv")" = setpriv ]
	[ "$(tail -1 "$T/setpriv")" = -- ]
	mapfile -t sp < "$T/setpriv"
	run setpriv --bounding-set=-all,"$caps" -- "${sp[@]}" cat /proc/self/status
	[ "$status" -eq 0 ]
	local bnd eff
	bnd=$(awk '/^CapBnd:/ { print $2 }' <<<"$output")
	eff=$(awk '/^CapEff:/ { print $2 }' <<<"$output")
	echo "CapBnd $bnd CapEff $eff"
	# CAP_SETPCAP is 8, CAP_SYS_ADMIN 21; CAP_KILL (5) and CAP_SYS_PTRACE (19) stay
	[ $(((16#$bnd >> 21) & 1)) = 0 ]
	[ $(((16#$eff >> 21) & 1)) = 0 ]
	[ $(((16#$bnd >> 8) & 1)) = 0 ]
	[ $(((16#$eff >> 8) & 1)) = 0 ]
	[ $(((16#$eff >> 5) & 1)) = 1 ]
	[ $(((16#$eff >> 19) & 1)) = 1 ]
	# why SETPCAP is there: without it setpriv exits 0 and drops nothing
	run setpriv --bounding-set=-all,"${caps/,+setpcap/}" -- "${sp[@]}" cat /proc/self/status
	[ "$status" -eq 0 ]
	bnd=$(awk '/^CapBnd:/ { print $2 }' <<<"$output")
	[ $(((16#$bnd >> 21) & 1)) = 1 ]
}

@test "k8s: the ConfigMap's settings pass foom-watch --check, its policy holds the shipped protect rules" {
	validate --json "$K/configmap.yaml" > "$T/cm.json"
	jq -r '.data["foom.conf"]' "$T/cm.json" > "$T/foom.conf"
	jq -r '.data.policy' "$T/cm.json" > "$T/policy"
	[ "$(grep '^protect ' "$T/policy")" = "$(grep '^protect ' "$TOP/dist/policy.example")" ]
	mkdir "$T/metrics"
	# the pod's paths, pointed at this test's
	sed -i "s|^cgroup-root = .*|cgroup-root = $FIX/sample/v2/cgroup|; s|^metrics = .*|metrics = $T/metrics|" "$T/foom.conf"
	run foom-watch -c "$T/foom.conf" -P "$T/policy" --check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"foom-sample -f -i '0.1' --pods -s 'node'"* ]]
	[[ "$output" == *"foom-metrics --textfile '$T/metrics' --pass"* ]]
}

@test "k8s: the Dockerfile's paths are those make install writes" {
	local stage=$T/stage
	grep -q '^RUN make clean && make -j"$(nproc)" all \\$' "$K/Dockerfile"
	grep -q '^ && make install DESTDIR=/stage PREFIX=/usr SYSCONFDIR=/etc$' "$K/Dockerfile"
	make -s -C "$TOP" install DESTDIR="$stage" PREFIX=/usr SYSCONFDIR=/etc > /dev/null
	local src n=0
	for src in $(sed -n 's|^COPY --from=build /stage\([^ ]*\) .*|\1|p' "$K/Dockerfile"); do
		[ -d "$stage$src" ] || { echo "no $src in the install" >&2; false; }
		n=$((n + 1))
	done
	[ "$n" -eq 3 ]
	[ -x "$stage/usr/bin/foom-watch" ] && [ -x "$stage/usr/bin/foom-metrics" ]
	[ -f "$stage/etc/foom/policy" ]
	grep -q '^ENTRYPOINT \["/usr/bin/foom-watch"\]$' "$K/Dockerfile"
}

@test "k8s: the liveness probe passes while records flow and fails once they stop" {
	validate --json "$K/daemonset.yaml" > "$T/ds.json"
	jq -r '.spec.template.spec.containers[0].livenessProbe.exec.command[2]' "$T/ds.json" |
		sed "s|/var/lib/foom/metrics/foom.prom|$T/foom.prom|" > "$T/probe"
	grep -q "$T/foom.prom" "$T/probe"
	# a record 30 s ahead of the clock: the probe passes however long
	# this machine takes to run it, up to 90 s
	local now
	now=$(($(date +%s) + 30))
	printf 'verdict ts=%s scope=node level=ok risk=0\n' "$now" | foom-metrics > "$T/foom.prom"
	run sh "$T/probe"
	[ "$status" -eq 0 ]
	printf 'verdict ts=%s scope=node level=ok risk=0\n' "$((now - 3600))" | foom-metrics > "$T/foom.prom"
	run sh "$T/probe"
	[ "$status" -ne 0 ]
	: > "$T/foom.prom"
	run sh "$T/probe"
	[ "$status" -ne 0 ]
}
