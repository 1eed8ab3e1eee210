# SPDX-License-Identifier: GPL-2.0
# guest-args: --virtio-pmem 256M --virtio-pmem 384M
#
# Flushes on a region with an asynchronous flush (virtio-pmem: each
# nvdimm_flush() is a request to the host, which fsyncs the backing file
# and interrupts the guest), on dpmem and on nd_pmem in the same guest
# (#18 item 4): plain O_DIRECT writes ask for none; O_DSYNC writes and
# fsync() ask for one (REQ_FUA/REQ_PREFLUSH); unbinding asks for one
# (nd_pmem_remove() flushes: writes that were never flushed become
# durable). Such a region is not synchronous: MAP_SYNC is refused on
# both. Flush requests are counted as virtio interrupts.
. ./lib.sh

MIB=1048576
a=$(namespace_of_size $((256 * MIB)))
b=$(namespace_of_size $((384 * MIB)))
check "two virtio-pmem namespaces" test -n "$a" -a -n "$b"
# virtio_irqs: interrupts of every virtio device so far.
virtio_irqs() {
	awk '/virtio/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i } END { print n + 0 }' /proc/interrupts
}
check "modprobe dpmem" modprobe dpmem
check "format for dpmem" dpmem_format "$a"
check "modprobe nd_pmem (takes the other)" modprobe nd_pmem
check_eq "nd_pmem serves $b" "$(ns_driver "$b")" nd_pmem
ad=$(ls /sys/bus/nd/devices/$a/block)
bd=$(ls /sys/bus/nd/devices/$b/block)
sleep 1

for d in $ad $bd; do
	n0=$(virtio_irqs)
	dd if=/dev/urandom of=/dev/$d bs=4k count=16 oflag=direct 2>/dev/null
	n1=$(virtio_irqs)
	check_eq "$d: O_DIRECT writes ask for no flush" "$((n1 - n0))" 0
	./daxtool journal /dev/$d 5 1 >/dev/null
	n2=$(virtio_irqs)
	check "$d: an O_DIRECT|O_DSYNC write (FUA) asks for a flush ($((n2 - n1)))" test $((n2 - n1)) -ge 1
	dd if=/dev/urandom of=/dev/$d bs=4k count=1 seek=17 conv=fsync 2>/dev/null
	n3=$(virtio_irqs)
	check "$d: fsync asks for a flush ($((n3 - n2)))" test $((n3 - n2)) -ge 1
done

check "$ad: mkfs.ext4 and mount -o dax" sh -c "mkfs.ext4 -q -F -b 4096 /dev/$ad && mount -o dax /dev/$ad /mnt"
check_fails "$ad: MAP_SYNC refused (the region is not synchronous)" ./daxtool mapsync /mnt/f
check "$ad: a shared mapping still works" ./daxtool mwrite /mnt/g $((4 * MIB)) 3
umount /mnt
check "$bd: mkfs.ext4" mkfs.ext4 -q -F -b 4096 /dev/$bd

# Unbind: writes that were never flushed are flushed by remove.
for pair in "$a dpmem $ad" "$b nd_pmem $bd"; do
	set -- $pair
	dd if=/dev/urandom of=/dev/$3 bs=4k count=4 oflag=direct 2>/dev/null
	n0=$(virtio_irqs)
	echo $1 >/sys/bus/nd/drivers/$2/unbind
	n1=$(virtio_irqs)
	check_eq "$2: unbound" "$(ns_driver $1)" ""
	check "$2: unbind flushes the region ($((n1 - n0)))" test $((n1 - n0)) -ge 1
done
check_fails "no WARN or BUG" klog_has "WARNING:|BUG:|Oops"
done_testing
