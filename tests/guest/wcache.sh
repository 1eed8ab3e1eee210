# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 512M --nvdimm 768M --nvdimm 384M --nvdimm 256M --nvme 256M --disk-iops 2000
#
# pmem as a cache in front of slow storage (#19 item 4): dm-writecache in
# pmem mode ("writecache p"), which maps the whole cache device through
# direct_access and needs its pages (it vmaps them when the device is not
# one contiguous run, as with sectioned placement), with a pmem disk as
# the cache in front of an emulated NVMe disk. fio writes and verifies
# through the cache; a flush writes every dirty block back to the NVMe
# disk, which then holds what fio wrote; the cache comes apart and back
# together (reassembled from its metadata on the pmem) with the data, which
# the NVMe disk alone does not hold. dm-writecache maps one contiguous run
# directly and vmaps the pages otherwise: /proc/vmallocinfo shows which.
# On dpmem head, sectioned and ram and on nd_pmem fsdax, in the same
# guest. ram (2 MiB units, the default) hands out one unit per
# direct_access call, so its cache is vmapped too (and every struct page
# of the cache is built at load).
. ./lib.sh

MIB=1048576
a=$(namespace_of_size $((512 * MIB)))
c=$(namespace_of_size $((768 * MIB)))
b=$(namespace_of_size $((384 * MIB)))
r=$(namespace_of_size $((256 * MIB)))
check "four namespaces and an NVMe disk" test -n "$a" -a -n "$b" -a -n "$c" -a -n "$r" -a -b /dev/nvme0n1
check "modprobe dpmem" modprobe dpmem
check "dpmem head on $a" dpmem_format "$a" head
check "dpmem sectioned on $c" dpmem_format "$c" sectioned
check "dpmem ram on $r" dpmem_format "$r" ram
check_eq "dpmem ram on $r: 2 MiB units" "$(cat /sys/bus/nd/devices/$r/dpmem/ram_unit)" $((2 * MIB))
check "modprobe nd_pmem" modprobe nd_pmem
check "nd_pmem fsdax on $b" ndctl create-namespace -f -e "$b" -m fsdax -M dev
export DM_DISABLE_UDEV=1
origin=/dev/nvme0n1
sectors=$(blockdev --getsz $origin)
sum() { dd if="$1" bs=1M count=64 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1; }

for ns in "$a" "$c" "$r" "$b"; do
	d=$(blockdev_of "$ns")
	dd if=/dev/zero of=/dev/$d bs=1M count=4 oflag=direct 2>/dev/null # no old cache metadata
	dd if=/dev/zero of=$origin bs=1M count=64 oflag=direct 2>/dev/null
	check "$d: writecache p over $origin" \
		dmsetup create wc --table "0 $sectors writecache p $origin /dev/$d 4096 0"
	check "$d: the cache is pmem-mode writecache" sh -c "dmsetup table wc | grep -q 'writecache p'"
	vmapped=$(grep -c 'persistent_memory_claim.* vmap' /proc/vmallocinfo)
	if [ "$ns" = "$c" ]; then
		check "$d: sections are not one run: the cache is vmapped" test "$vmapped" = 1
	elif [ "$ns" = "$r" ]; then
		check "$d: ram units are mapped one by one: the cache is vmapped" test "$vmapped" = 1
		check_eq "$d: every struct page of the cache built" \
			"$(cat /sys/bus/nd/devices/$r/dpmem/struct_pages_ram)" $(((256 - 2) * MIB / 64))
	else
		check "$d: one contiguous run, mapped directly (no vmap)" test "$vmapped" = 0
	fi
	check "$d: fio random writes, verified through the cache" \
		fio --name=wc --filename=/dev/mapper/wc --rw=randwrite --bs=4k --size=64M \
		--ioengine=psync --direct=1 --verify=crc32c --do_verify=1 --randseed=7 \
		--output=/tmp/fio.out
	want=$(sum /dev/mapper/wc)
	check "$d: flush (dirty blocks written back)" dmsetup message wc 0 flush
	check_eq "$d: the NVMe disk holds what was written" "$(sum $origin)" "$want"
	check "$d: 4 MiB more written through the cache, not flushed" \
		dd if=/dev/urandom of=/dev/mapper/wc bs=1M count=4 seek=8 oflag=direct
	want=$(sum /dev/mapper/wc)
	check "$d: the cache comes apart" dmsetup remove wc
	check "$d: the last 4 MiB are only in the cache" test "$(sum $origin)" != "$want"
	check "$d: and is reassembled from its metadata" \
		dmsetup create wc --table "0 $sectors writecache p $origin /dev/$d 4096 0"
	check_eq "$d: with the data" "$(sum /dev/mapper/wc)" "$want"
	check "$d: remove" dmsetup remove wc
done
check_no_kernel_warnings "no WARN or BUG"
done_testing
