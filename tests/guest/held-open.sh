# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 512M --nvdimm 384M
#
# The last close of a disk that was unbound while open (#18 item 6, the
# case without a filesystem): a process holds the block device open, the
# namespace is unbound under it. The unbind completes; the open file reads
# nothing (the deleted disk's capacity is zero); the module cannot be
# removed while the file is open (the deleted disk still needs its driver:
# dpmem frees the disk's data, struct pages included, at the last close);
# once it is closed, rmmod works, and the namespace binds again with its
# data. dpmem (head placement, struct pages built) and nd_pmem (raw) in the
# same guest.
. ./lib.sh

MIB=1048576
a=$(namespace_of_size $((512 * MIB)))
b=$(namespace_of_size $((384 * MIB)))
check "two namespaces" test -n "$a" -a -n "$b"
check "modprobe dpmem" modprobe dpmem
check "format one for dpmem (head)" dpmem_format "$a head"
check "modprobe nd_pmem (takes the other, raw)" modprobe nd_pmem
check_eq "nd_pmem holds $b" "$(ns_driver "$b")" nd_pmem
disk_of() { ls /sys/bus/nd/devices/$1/block/; }

head -c $((1024 * 1024)) /dev/urandom >/tmp/pat
for pair in "$a dpmem" "$b nd_pmem"; do
	set -- $pair
	ns=$1 drv=$2
	d=$(disk_of "$ns")
	check "$d: a pattern written" dd if=/tmp/pat of=/dev/$d bs=64k oflag=direct
	if [ "$drv" = dpmem ]; then
		i=0
		while [ "$(cat /sys/bus/nd/devices/$ns/dpmem/units_initialised)" != 0 ] && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		check_eq "$d: struct pages built" "$(cat /sys/bus/nd/devices/$ns/dpmem/units_initialised)" "0"
	fi
	exec 3</dev/$d
	check "$d: unbind while the disk is open" sh -c "echo $ns >/sys/bus/nd/drivers/$drv/unbind"
	check_eq "$d: unbound" "$(ns_driver "$ns")" ""
	check_eq "$d: the open, deleted disk has no data left (EOF)" "$(dd bs=4k count=1 <&3 2>/dev/null | wc -c)" 0
	check_fails "$d: $drv cannot be removed while it is open" rmmod $drv
	if [ "$drv" = dpmem ]; then
		check_fails "$d: a rebind is refused while the old disk holds the range" \
			sh -c "echo $ns >/sys/bus/nd/drivers/dpmem/bind"
	fi
	exec 3<&-
	check "$d: rmmod $drv once it is closed" rmmod $drv
	check "$d: modprobe $drv again" modprobe $drv
	[ "$drv" = dpmem ] || [ -n "$(ns_driver "$ns")" ] ||
		echo "$ns" >/sys/bus/nd/drivers/$drv/bind
	check_eq "$d: $drv binds $ns again" "$(ns_driver "$ns")" "$drv"
	d=$(disk_of "$ns")
	check "$d: the data is intact" sh -c "dd if=/dev/$d bs=64k count=16 iflag=direct 2>/dev/null | cmp - /tmp/pat"
done
check_no_kernel_warnings "no WARN or BUG"
done_testing
