# SPDX-License-Identifier: MIT
# fish completion for foom-rank(1)
complete -c foom-rank -s s -l scope -x -a 'node cgroup:/ pod:' -d 'Rank this scope'
complete -c foom-rank -s k -l top -x -d 'Print the first N victims'
complete -c foom-rank -l by -x -a 'oom_score rss growth' -d 'Order by'
complete -c foom-rank -s d -l delay -x -d 'Scan twice, SECONDS apart, for growth'
complete -c foom-rank -l allow-pid1 -d 'A container or pod PID 1 may be a victim'
complete -c foom-rank -l max-procs -x -d 'Most processes the tables grow to'
for r in protect prefer avoid
	complete -c foom-rank -l $r -x -a 'name= cmdline= exe= user= cgroup= pod= namespace=' -d "$r rule FIELD=REGEX"
end
complete -c foom-rank -s P -l policy -r -F -d 'Rules from a policy file'
complete -c foom-rank -l passwd -r -F -d 'User names from FILE'
complete -c foom-rank -s f -l follow -d 'Read verdicts, rank at the trigger'
complete -c foom-rank -l trigger -x -a 'ok warn near-oom oom' -d 'The level that ranks'
complete -c foom-rank -l pass -d 'Copy every input record through'
complete -c foom-rank -s t -l table -d 'An aligned table for people'
complete -c foom-rank -s j -l json -d 'JSON lines'
complete -c foom-rank -s o -l fields -x -d 'Tab-separated values of these fields'
complete -c foom-rank -l proc -x -a '(__fish_complete_directories)' -d 'Read /proc from DIR'
complete -c foom-rank -l cgroup-root -x -a '(__fish_complete_directories)' -d 'The cgroup root'
complete -c foom-rank -l pods-dir -x -a '(__fish_complete_directories)' -d 'The kubelet pod log directory'
complete -c foom-rank -l help -d 'Show help'
complete -c foom-rank -l usage -d 'Show a short usage message'
complete -c foom-rank -l version -d 'Show the version'
