# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G --nvdimm 768M --nvdimm 640M --nvdimm 384M --nvme 256M --virtio-blk 256M
#
# The struct pages at work (#19 item 1, 2): a shared mapping of a file on
# ext4 or xfs -o dax is the buffer of O_DIRECT reads and writes to other
# block devices. The kernel pins the mapping's pages (get_user_pages: the
# struct pages must exist; for an untouched mapping the pin faults them in,
# which for sectioned placement builds the sections) and hands them to the
# other driver: an emulated NVMe controller and a virtio-blk disk move the
# data by DMA, a loop device and a pmem disk by copying. Both directions,
# 4 KiB and 2 MiB-aligned (PMD) mappings, and the other ways user space
# hands DAX pages to the kernel: fork, process_vm_readv, vmsplice, io_uring
# reads and writes with the mapping as ordinary buffers. A FOLL_LONGTERM
# pin (io_uring fixed buffers) is refused as on nd_pmem. After each round
# no page is left pinned. The targets include a namespace of the same
# driver. Everything is run on dpmem (head and sectioned placement) and on
# nd_pmem fsdax map=dev in the same guest.
. ./lib.sh

MIB=1048576
SIZE=$((8 * MIB))
a=$(namespace_of_size $((1024 * MIB)))
c=$(namespace_of_size $((768 * MIB)))
b=$(namespace_of_size $((640 * MIB)))
d=$(namespace_of_size $((384 * MIB)))
check "four namespaces" test -n "$a" -a -n "$b" -a -n "$c" -a -n "$d"
check "an NVMe disk" test -b /dev/nvme0n1
check "a virtio-blk disk" test -b /dev/vda
check "modprobe dpmem" modprobe dpmem
check "dpmem head on $a" dpmem_format "$a" head
check "dpmem sectioned on $c" dpmem_format "$c" sectioned
check "modprobe nd_pmem" modprobe nd_pmem
check "nd_pmem fsdax on $b" ndctl create-namespace -f -e "$b" -m fsdax -M dev
check_eq "nd_pmem raw on $d" "$(ns_driver "$d")" nd_pmem
ad=$(blockdev_of "$a") bd=$(blockdev_of "$b") cd=$(blockdev_of "$c") dd_=$(blockdev_of "$d")
dd if=/dev/zero of=/tmp/loop.img bs=1M count=64 2>/dev/null
check "a loop device" losetup /dev/loop0 /tmp/loop.img
units() { cat /sys/bus/nd/devices/$c/dpmem/units_initialised; }
seed=1
echo 1 >/sys/kernel/tracing/events/fs_dax/dax_pmd_fault_done/enable

# round DISK FS OTHER [SAME]: DAX filesystem FS on DISK; OTHER is a pmem
# disk of the other driver and SAME one of DISK's driver, both used raw.
round() {
	disk=$1 fs=$2 other=$3 same=${4:-}
	case $fs in
	ext4) mk="mkfs.ext4 -q -F -b 4096" ;;
	xfs) mk="mkfs.xfs -q -f -m reflink=0 -d su=2m,sw=1" ;;
	esac
	t="$disk/$fs"
	held0=$(pins_held) acquired0=$(pins_acquired)
	check "$t: mkfs and mount -o dax" sh -c "$mk /dev/$disk && mount -o dax /dev/$disk /mnt" || return
	touch /mnt/probe
	check "$t: files are DAX" ./daxtool statx /mnt/probe || { umount /mnt; return; }
	if [ "$disk" = "$cd" ]; then
		# Unbind and bind: no struct pages yet, mkfs used block I/O only.
		umount /mnt
		check "$t: rebind and mount again" sh -c "echo $c >/sys/bus/nd/drivers/dpmem/unbind &&
			echo $c >/sys/bus/nd/drivers/dpmem/bind && mount -o dax /dev/$disk /mnt" || return
		check_eq "$t: no section has struct pages" "$(units)" ""
	fi
	n=0
	for target in nvme0n1 vda loop0 $other $dd_ $same; do
		for dir in from to; do
			for how in small huge huge:uring; do
				kind=${how%:*} uring=${how#$kind}
				n=$((n + 1))
				echo >/sys/kernel/tracing/trace
				seed=$((seed + 1))
				out=$(./diotool dio /dev/$target /mnt/f$n $SIZE $dir $kind $seed ${uring#:} 2>&1)
				check "$t: O_DIRECT $dir $target, $kind mapping${uring:+, io_uring}" test $? -eq 0 || echo "$out"
				# xfs with su=2m gives 2 MiB-aligned extents: the pins
				# fault in PMDs (4 of them for 8 MiB), or none when the
				# mapping is not 2 MiB aligned.
				pmds=$(grep -c 'dax_pmd_fault_done.*NOPAGE' /sys/kernel/tracing/trace)
				if [ "$fs" = xfs ] && [ "$kind" = huge ]; then
					check "$t: ... through PMD faults ($pmds)" test "$pmds" -ge 4
				elif [ "$fs" = xfs ]; then
					check_eq "$t: ... through 4 KiB faults only" "$pmds" 0
				fi
			done
		done
		if [ "$disk" = "$cd" ] && [ "$target" = nvme0n1 ]; then
			check "$t: the pins built sections ($(units))" test -n "$(units)"
		fi
	done
	check "$t: a forked child reads the NVMe disk into the shared mapping" ./diotool fork /dev/nvme0n1 /mnt/fork $SIZE
	check "$t: process_vm_readv of another process's mapping" ./diotool vmreadv /mnt/f1 $SIZE
	check "$t: vmsplice of the mapping" ./diotool vmsplice /mnt/f1 $SIZE
	lt=$(./diotool longterm /mnt/f1 2>&1)
	eval "longterm_$(echo "$disk" | tr -d .)_$fs=\$lt"
	check "$t: umount" umount /mnt
	# Each 8 MiB transfer pins 2048 pages, at least once per target.
	pinned=$(($(pins_acquired) - acquired0))
	check "$t: the transfers pinned pages ($pinned)" test "$pinned" -ge $((2048 * 5))
	check_eq "$t: none is left pinned" "$(pins_held)" "$held0"
}

for fs in ext4 xfs; do
	round "$ad" $fs "$bd" "$cd"
	round "$cd" $fs "$bd" "$ad"
	round "$bd" $fs "$ad"
	check_eq "$fs: a long-term pin of a DAX mapping is refused as on nd_pmem" \
		"$(eval echo "\$longterm_${ad}_$fs / \$longterm_${cd}_$fs")" \
		"$(eval echo "\$longterm_${bd}_$fs / \$longterm_${bd}_$fs")"
	check_eq "$fs: ... with EOPNOTSUPP" "$(eval echo "\$longterm_${bd}_$fs")" "refused EOPNOTSUPP"
done
check "unbind dpmem's namespaces" sh -c "echo $a >/sys/bus/nd/drivers/dpmem/unbind && echo $c >/sys/bus/nd/drivers/dpmem/unbind"
check "rmmod dpmem" rmmod dpmem
check_no_kernel_warnings "no WARN or BUG"
done_testing
