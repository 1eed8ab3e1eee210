#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Data written through /dev/dpmem0 is on the medium: after a reboot on the
# same FILE-backed nvdimm the namespace binds by itself and fio's crc32c
# verify passes over the whole device; the host sees the same bytes at
# the data offset. The same for stores through a DAX mapping of a file on
# ext4 mounted with dax=always.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/scenario/lib.bash"
gcc -static -O2 -o "$tmp/daxtool" "$top/tests/guest/tools/daxtool.c" || exit 1
boot_add=(--add "$tmp/daxtool")
job="--name=whole --filename=/dev/dpmem0 --direct=1 --ioengine=psync --bs=128k --rw=write --size=100% --verify=crc32c --verify_fatal=1"
truncate -s 512M "$img"

boot 512M "modprobe dpmem && dpmem_format 'namespace0.0 head' && fio $job --do_verify=1 &&
	printf 'dpmem persist marker' | dd of=/dev/dpmem0 bs=4096 seek=1 conv=fsync"
check_eq "format, fill and verify on a FILE-backed nvdimm" "$?" 0
# Data offset of a 512 MiB namespace: ALIGN(8K + 64 * 131070, 2M) = 10 MiB.
check_eq "host sees the block write at data offset + 4 KiB" \
	"$(dd if="$img" bs=1 skip=$((10 * MIB + 4096)) count=20 2>/dev/null)" "dpmem persist marker"
# The marker overwrote part of fio's first block: put it back by rewriting
# that block the same way fio did, then verify everything after a reboot.
boot 512M "modprobe dpmem && [ \"\$(ns_driver namespace0.0)\" = dpmem ] && fio $job --size=128k --do_verify=0"
check_eq "binds by itself after reboot" "$?" 0
boot 512M "modprobe dpmem && fio $job --verify_only"
check_eq "whole-device crc32c verify after reboot" "$?" 0
check "fio verify read the whole 502 MiB data area" grep -qE "READ: bw=.*io=502MiB" "$tmp/out"

boot 512M "modprobe dpmem && mkfs.ext4 -q -F -b 4096 /dev/dpmem0 && mount -o dax=always /dev/dpmem0 /mnt &&
	grep -q dax=always /proc/mounts && ./daxtool mwrite /mnt/f 16777216 42 && ./daxtool statx /mnt/f && umount /mnt"
check_eq "ext4 dax=always: pattern stored through mmap + msync" "$?" 0
boot 512M "modprobe dpmem && e2fsck -fn /dev/dpmem0 && mount -o dax=always /dev/dpmem0 /mnt && ./daxtool verify /mnt/f 16777216 42"
check_eq "ext4 clean and the mmap-stored pattern intact after reboot" "$?" 0
done_testing
