# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 3G
#
# DAX on dpmem: the struct pages of the data area live in the reservation
# (not in RAM; ram placement: in RAM, built by DAX faults only), ext4 and xfs mount with -o dax, files report DAX, mmap
# writes persist across unmount/unbind/rebind, MAP_SYNC works, 2 MiB-aligned
# extents get PMD faults (fs_dax trace events), O_DIRECT into a DAX mapping
# works (it needs the struct pages), and unbind while mounted is survivable.
# Everything runs for head, sectioned and grouped placement (3 GiB: two
# groups, so a fault does not build them all), and for ram placement,
# whose struct pages are made in RAM per 2 MiB that DAX maps.
. ./lib.sh

MIB=1048576
ns=namespace0.0
# MemFree as is (not lib.sh's mem_free, which drops caches).
mem_free() { awk '/^MemFree:/ { print $2 }' /proc/meminfo; }
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null

check "modprobe dpmem" modprobe dpmem
chunks() { cat /sys/bus/nd/devices/$ns/dpmem/chunks_initialised; }
chunks_total() { cat /sys/bus/nd/devices/$ns/dpmem/chunks_total; }
# wait_chunks N: up to 30 s for N chunks to be initialised.
wait_chunks() {
	_i=0
	while [ "$(chunks)" != "$1" ] && [ $_i -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# built: what DAX faults have built so far: descriptor chunks, or for ram
# placement bytes of struct pages in RAM; built_total: all of it.
built() {
	if [ "$p" = ram ]; then
		cat /sys/bus/nd/devices/$ns/dpmem/struct_pages_ram
	else
		chunks
	fi
}
built_total() {
	if [ "$p" = ram ]; then
		echo $(($(cat /sys/bus/nd/devices/$ns/dpmem/data_size) / 4096 * 64))
	else
		chunks_total
	fi
}

for placement in head sectioned grouped ram; do
p=$placement
free_before=$(mem_free)
if [ "$p" = head ]; then
	check "$p: format" dpmem_format "$ns head force"
	# The worker initialises every chunk in the background after bind.
	wait_chunks "$(chunks_total)"
	check_eq "$p: every descriptor chunk holds live struct pages" "$(chunks)" "$(chunks_total)"
	check "$p: start and end of the background work logged" sh -c \
		"dmesg | grep -q 'dpmem0: building struct pages for' && dmesg | grep -q 'dpmem0: struct pages ready:'"
else
	echo $ns >/sys/bus/nd/drivers/dpmem/unbind
	check "$p: format" dpmem_format "$ns $p force"
	check_eq "$p: nothing built at bind" "$(built)" 0
fi
free_after=$(mem_free)
# 64 bytes per 4 KiB page of 3 GiB are 48 MiB of struct pages; allow a
# 1 MiB drop for the binding's own allocations (ram placement too: it
# builds none at bind).
check "$p: no struct pages taken from RAM at bind (MemFree $free_before -> $free_after kB)" \
	test $((free_before - free_after)) -lt 1024
check_eq "$p: the disk is a DAX host" "$(cat /sys/block/dpmem0/queue/dax)" 1

for fs in ext4 xfs; do
	case $fs in
	ext4) mk="mkfs.ext4 -q -F -b 4096 -E stride=512,stripe_width=512"; fsck="e2fsck -fn" ;;
	xfs) mk="mkfs.xfs -q -f -m reflink=0 -d su=2m,sw=1"; fsck="xfs_repair -n" ;;
	esac
	t="$p/$fs"
	check "$t: mkfs" $mk /dev/dpmem0
	check "$t: mount -o dax" mount -o dax /dev/dpmem0 /mnt
	check "$t: /proc/mounts says dax" grep -q "^/dev/dpmem0 /mnt $fs .*dax" /proc/mounts
	echo data >/mnt/small
	check "$t: statx reports DAX" ./daxtool statx /mnt/small
	if [ "$p" != head ] && [ "$fs" = ext4 ]; then
		check_eq "$t: mkfs, mount and write() built no struct pages" "$(built)" 0
	fi
	check "$t: MAP_SYNC mapping" ./daxtool mapsync /mnt/sync
	check "$t: pattern written through mmap + msync" ./daxtool mwrite /mnt/mapped $((8 * MIB)) 7
	check "$t: read back with read()" ./daxtool verify /mnt/mapped $((8 * MIB)) 7

	# PMD faults: a fresh 2 MiB-aligned extent mapped 2 MiB-aligned.
	echo 1 >/sys/kernel/tracing/events/fs_dax/dax_pmd_fault_done/enable
	echo >/sys/kernel/tracing/trace
	out=$(./daxtool pmd /mnt/huge $((8 * MIB)))
	echo 0 >/sys/kernel/tracing/events/fs_dax/dax_pmd_fault_done/enable
	echo "$out"
	check "$t: the file got a 2 MiB-aligned extent" sh -c "echo '$out' | grep -q 'aligned-2M yes'"
	npmd=$(grep -c 'dax_pmd_fault_done.*NOPAGE' /sys/kernel/tracing/trace)
	nfall=$(grep -c 'dax_pmd_fault_done.*FALLBACK' /sys/kernel/tracing/trace)
	check "$t: huge (PMD) faults served ($npmd NOPAGE, $nfall FALLBACK)" test "$npmd" -ge 4 -a "$nfall" -eq 0

	# O_DIRECT from another file into a DAX mapping: get_user_pages on
	# the mapping needs the struct pages.
	head -c $((4 * MIB)) /dev/urandom >/mnt/src
	check "$t: O_DIRECT read into a DAX mapping" ./daxtool odirect /mnt/src /mnt/target $((4 * MIB))
	if [ "$p" != head ]; then
		n=$(built)
		check "$t: DAX faults built some struct pages, not all ($n of $(built_total))" \
			test "$n" -ge 1 -a "$n" -lt "$(built_total)"
	fi

	check "$t: umount" umount /mnt
	echo $ns >/sys/bus/nd/drivers/dpmem/unbind
	echo $ns >/sys/bus/nd/drivers/dpmem/bind
	check_eq "$t: rebound" "$(ns_driver $ns)" dpmem
	if [ "$p" != head ]; then
		check_eq "$t: rebinding starts with nothing built" "$(built)" 0
	fi
	check "$t: clean after unbind/rebind" $fsck /dev/dpmem0
	mount -o dax /dev/dpmem0 /mnt
	check "$t: mmap-written data intact after unbind/rebind" ./daxtool verify /mnt/mapped $((8 * MIB)) 7
	check_fails "$t: rmmod refused while mounted" rmmod dpmem
	umount /mnt
done

# Unbind while mounted: the unbind completes, the filesystem gets errors
# instead of data, and after unmount the namespace binds and mounts again.
mount -o dax /dev/dpmem0 /mnt
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check_eq "$p: unbind while mounted completes" "$(ns_driver $ns)" ""
check_fails "$p: the filesystem sees I/O errors" sh -c 'cat /mnt/mapped >/dev/null && ls /mnt/mapped && echo x >/mnt/new && sync -f /mnt'
umount /mnt 2>/dev/null || umount -l /mnt
echo $ns >/sys/bus/nd/drivers/dpmem/bind
check_eq "$p: rebinds after that" "$(ns_driver $ns)" dpmem
check "$p: mounts again" mount -o dax /dev/dpmem0 /mnt
check "$p: data written before is still there" ./daxtool verify /mnt/mapped $((8 * MIB)) 7
umount /mnt
done
check "rmmod" rmmod dpmem
done_testing
