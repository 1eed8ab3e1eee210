#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Power cuts: a writer in the guest appends checksummed 4 KiB records and
# prints "ACK SEED I" once record I is durable (raw /dev/dpmem0 with
# O_DIRECT|O_DSYNC, i.e. FUA bios; or a file on ext4/xfs mounted -o dax,
# fdatasync() after each record). The host kills QEMU (SIGKILL) a random
# 1-5 s after the writer started, then reboots on the same FILE-backed
# nvdimm: dpmem must bind from its intact info block, the filesystem must
# mount (log recovery) and check clean (e2fsck -fn, xfs_repair -n), and
# every record the host saw acknowledged must be intact.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/scenario/lib.bash"
gcc -static -O2 -pthread -o "$tmp/daxtool" "$top/tests/guest/tools/daxtool.c" || exit 1
boot_add=(--add "$tmp/daxtool")
truncate -s 1G "$img"

boot 1G "modprobe dpmem && dpmem_format namespace0.0"
check_eq "format on a FILE-backed nvdimm" "$?" 0
info_sum() { dd if="$img" bs=4096 skip=1 count=1 2>/dev/null | sha256sum; }
info0=$(info_sum)

# cut DELAY SNIPPET: boot running SNIPPET, which echoes WRITER-START, and
# SIGKILL QEMU DELAY seconds after that line appears. Console in $tmp/cut.
cut() {
	"$top/scripts/guest-run" --timeout 300 --nvdimm "$img:1G" --add "$top/tests/guest/lib.sh" \
		"${boot_add[@]}" -- sh -c ". ./lib.sh; $2" >"$tmp/cut" 2>&1 &
	cut_after "$tmp/cut" $! "$1"
}

rounds=0 checked=0
for target in dev dev ext4 ext4 xfs xfs; do
	rounds=$((rounds + 1))
	seed=$((1000 + rounds))
	delay=$((1 + RANDOM % 5))
	case $target in
	dev)
		writer="./daxtool journal /dev/dpmem0 $seed 200000"
		mkfs= path=/dev/dpmem0 verify= ;;
	ext4)
		mkfs="mkfs.ext4 -q -F -b 4096 /dev/dpmem0 && mount -o dax /dev/dpmem0 /mnt &&"
		writer="./daxtool journal /mnt/journal $seed 200000" path=/mnt/journal
		verify="mount -o dax /dev/dpmem0 /mnt && umount /mnt && e2fsck -fn /dev/dpmem0 && mount -o dax /dev/dpmem0 /mnt &&" ;;
	xfs)
		mkfs="mkfs.xfs -q -f /dev/dpmem0 && mount -o dax /dev/dpmem0 /mnt &&"
		writer="./daxtool journal /mnt/journal $seed 200000" path=/mnt/journal
		verify="mount -o dax /dev/dpmem0 /mnt && umount /mnt && xfs_repair -n /dev/dpmem0 && mount -o dax /dev/dpmem0 /mnt &&" ;;
	esac
	cut $delay "modprobe dpmem && $mkfs echo WRITER-START && $writer"
	# Whole lines only: kernel messages can interleave with the writer's
	# output, and a line cut short only under-reports.
	last=$(grep -aE "^ACK $seed [0-9]+$" "$tmp/cut" | awk '{print $3}' | sort -n | tail -n 1)
	name="round $rounds ($target, cut ${delay}s into the writer)"
	if [ -z "$last" ]; then
		not_ok "$name: writes acknowledged before the cut" "none; console: $(tail -n 5 "$tmp/cut" | tr '\n' ' ')"
		continue
	fi
	ok "$name: $((last + 1)) writes acknowledged before the cut"
	check_eq "$name: info block intact on the medium" "$(info_sum)" "$info0"
	boot 1G "modprobe dpmem && [ \"\$(ns_driver namespace0.0)\" = dpmem ] && $verify ./daxtool jcheck $path $seed $last"
	if [ $? = 0 ]; then
		ok "$name: rebinds, filesystem clean, all $((last + 1)) acknowledged records intact"
		checked=$((checked + last + 1))
	else
		not_ok "$name: after reboot" "$(grep -aE 'daxtool:|e2fsck|xfs_repair|Phase|error|not binding' "$tmp/out" | head -n 5 | tr '\n' ' ')"
	fi
	check_fails "$name: no WARN, BUG or oops after reboot" grep -qaE 'WARNING:|BUG:|Oops' "$tmp/out"
done
echo "powercut: $rounds rounds, $checked acknowledged writes checked after the cuts"
done_testing
