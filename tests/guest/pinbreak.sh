# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G --nvdimm 640M --nvme 256M --disk-iops 10
#
# The layout of a DAX file changes while another device holds its pages
# (#19 item 3): an O_DIRECT write from a file's mapping to a slow NVMe disk
# (throttled to 10 requests/s, so 8 MiB take over a second) pins the
# pages; meanwhile the file is truncated, or all of it punched out. The
# filesystem must wait for the pins (dax_layout_busy_page) before it
# frees the blocks: the call returns only after the transfer ended, the
# disk gets the data as it was, nothing hangs. Then the namespace is
# unbound while such a transfer runs: the unbind completes, the transfer
# too, and after unmounting the namespace binds again. On dpmem and on
# nd_pmem fsdax map=dev in the same guest, ext4 and xfs (without the
# reverse-mapping btree: with it, xfs kills the users of the pages at
# unbind), except the unbind on nd_pmem, which crashes the kernel (see
# below).
. ./lib.sh

MIB=1048576
SIZE=$((8 * MIB))
a=$(namespace_of_size $((1024 * MIB)))
b=$(namespace_of_size $((640 * MIB)))
check "two namespaces and an NVMe disk" test -n "$a" -a -n "$b" -a -b /dev/nvme0n1
check "modprobe dpmem" modprobe dpmem
check "dpmem on $a" dpmem_format "$a"
check "modprobe nd_pmem" modprobe nd_pmem
check "nd_pmem fsdax on $b" ndctl create-namespace -f -e "$b" -m fsdax -M dev

for fs in ext4 xfs; do
	case $fs in
	ext4) mk="mkfs.ext4 -q -F -b 4096" ;;
	xfs) mk="mkfs.xfs -q -f -m reflink=0,rmapbt=0" ;;
	esac
	for pair in "$a dpmem" "$b nd_pmem"; do
		set -- $pair
		ns=$1 drv=$2
		d=$(blockdev_of "$ns")
		t="$drv/$fs"
		check "$t: mkfs and mount -o dax" sh -c "$mk /dev/$d && mount -o dax /dev/$d /mnt" || continue
		touch /mnt/probe
		check "$t: files are DAX" ./daxtool statx /mnt/probe || { umount /mnt; continue; }
		for how in truncate punch; do
			out=$(./diotool pinbreak /dev/nvme0n1 /mnt/$how $SIZE $how 2>&1)
			rc=$?
			check "$t: $how while the pages are pinned ($(echo "$out" | head -n 1))" test $rc -eq 0
			# Without waiting it takes a few ms; the transfer needs
			# about a second more.
			took=$(echo "$out" | sed -n 's/.* took \([0-9]*\) ms.*/\1/p')
			check "$t: ... it waited for the transfer" test "${took:-0}" -ge 500
		done
		if [ "$drv" = nd_pmem ]; then
			# nd_pmem removes its struct pages at unbind without waiting
			# for pinned fsdax pages: 6.12.118 oopses in
			# __bio_release_pages when the transfer completes. dpmem
			# keeps them until the filesystem lets go of the disk.
			check "$t: umount" umount /mnt
			continue
		fi
		./diotool pinbreak /dev/nvme0n1 /mnt/u $SIZE none >/tmp/pb.out 2>&1 &
		pb=$!
		sleep 0.6
		check "$t: unbind during the transfer" sh -c "echo $ns >/sys/bus/nd/drivers/$drv/unbind"
		wait $pb
		rc=$?
		check "$t: ... the transfer completes with its data ($(head -n 1 /tmp/pb.out))" test $rc -eq 0
		check "$t: umount" umount /mnt
		check "$t: bind again" sh -c "echo $ns >/sys/bus/nd/drivers/$drv/bind"
	done
done
check_no_kernel_warnings "no WARN or BUG"
done_testing
