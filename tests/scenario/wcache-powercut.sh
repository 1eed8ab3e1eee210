#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Crashes under pmem used as a write cache (#19 item 4): dm-writecache
# in pmem mode with a dpmem disk as the cache in front of an emulated NVMe
# disk, both on files kept between boots. A writer appends checksummed
# 4 KiB records to the cached device with O_DIRECT|O_DSYNC and prints
# "ACK SEED I" once record I is durable; the host kills QEMU (SIGKILL) a
# random 1-4 s in, reboots on the same files, reassembles the cache from
# its metadata on the pmem, and every acknowledged record must be there
# (the NVMe disk alone lacks the first of them: they come from the pmem).
# (A killed QEMU is a crash, not a power cut: its stores are already in
# the host's page cache, so this checks dm-writecache's and dpmem's
# on-media state across reboots, not cache flushing.)
# Then a flush and a clean teardown, after which the NVMe disk alone holds
# the records. Head, sectioned, grouped and ram placement.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/scenario/lib.bash"
gcc -static -O2 -pthread -o "$tmp/daxtool" "$top/tests/guest/tools/daxtool.c" || exit 1
disk=$tmp/nvme.img
truncate -s 512M "$img"
truncate -s 256M "$disk"
table='0 $(blockdev --getsz /dev/nvme0n1) writecache p /dev/nvme0n1 /dev/dpmem0 4096 0'
assemble="echo 8 >/proc/sys/kernel/printk; export DM_DISABLE_UDEV=1; modprobe dpmem && dmsetup create wc --table \"$table\""

# run SNIPPET: boot on the kept files, lib.sh sourced; console in $tmp/out.
run() {
	"$top/scripts/guest-run" --timeout 300 --nvdimm "$img:512M" --nvme "$disk:256M" \
		--add "$top/tests/guest/lib.sh" --add "$tmp/daxtool" \
		-- sh -c ". ./lib.sh; $1" >"$tmp/out" 2>&1
}

# cut DELAY SNIPPET: as run, SIGKILL QEMU DELAY s after WRITER-START.
cut() {
	run "$2" &
	cut_after "$tmp/out" $! "$1"
}

rounds=0
for placement in head sectioned grouped ram; do
	rounds=$((rounds + 1))
	seed=$((2000 + rounds))
	delay=$((1 + RANDOM % 4))
	name="$placement (cut ${delay}s into the writer)"
	run "modprobe dpmem && { [ -z \"\$(ns_driver namespace0.0)\" ] ||
		echo namespace0.0 >/sys/bus/nd/drivers/dpmem/unbind; } &&
		dpmem_format namespace0.0 $placement force &&
		dd if=/dev/zero of=/dev/dpmem0 bs=1M count=4 oflag=direct 2>/dev/null"
	check_eq "$name: formatted" "$?" 0
	cut $delay "$assemble && echo WRITER-START && ./daxtool journal /dev/mapper/wc $seed 60000"
	last=$(grep -aE "^ACK $seed [0-9]+$" "$tmp/out" | awk '{print $3}' | sort -n | tail -n 1)
	if [ -z "$last" ]; then
		not_ok "$name: writes acknowledged before the cut" "none; console: $(tail -n 5 "$tmp/out" | tr '\n' ' ')"
		continue
	fi
	ok "$name: $((last + 1)) writes acknowledged before the cut"
	# Before the cache is reassembled, the NVMe disk alone must lack the
	# first record, the first that writeback would have copied (nothing
	# was written back: the writer stays under the cache's writeback
	# watermark), so the records found next come from the cache's own
	# metadata and data on the pmem.
	run "i=0; while [ ! -b /dev/nvme0n1 ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done;
		./daxtool jcheck /dev/nvme0n1 $seed 0 2>&1 | grep -q 'record 0 of 0 lost' && echo ORIGIN-LACKS-RECORD-0;
		$assemble && ./daxtool jcheck /dev/mapper/wc $seed $last && dmsetup message wc 0 flush &&
		dmsetup remove wc && ./daxtool jcheck /dev/nvme0n1 $seed $last"
	check_eq "$name: cache reassembled, all acknowledged records intact; flushed, the NVMe disk holds them" "$?" 0 ||
		grep -aE 'daxtool:|device-mapper|dmsetup|error' "$tmp/out" | head -n 5
	check "$name: ... which the NVMe disk alone did not hold before" grep -q ORIGIN-LACKS-RECORD-0 "$tmp/out"
	check_fails "$name: no WARN, BUG or oops after reboot" grep -qaE 'WARNING:|BUG:|Oops|daxtool:' "$tmp/out"
done
done_testing
