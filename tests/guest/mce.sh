# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 256M --nvdimm 384M
#
# Poison found at run time (#18 item 2): a machine check at a namespace
# address, injected with the kernel's MCE injector (debugfs mce-inject,
# software injection), reaches the NFIT driver's MCE notifier, which adds
# the range to the bus's poison list and sends NVDIMM_REVALIDATE_POISON to
# the region's bound drivers. For a page of a file on ext4 -o dax, on dpmem
# and on nd_pmem fsdax in the same guest: the bad range appears in
# /sys/block/<disk>/badblocks at the file's sectors, pollers of that file
# are woken, reads of the page fail with EIO (block and file), DAX refuses
# to map it (SIGBUS), the next page still reads, and a write over it ends
# as on nd_pmem (QEMU's NFIT cannot clear poison, so it fails on both).
#
# The guest CPU of `-cpu max` under TCG is AMD: a memory error is a UC
# error in bank 4 with extended error code 8; misc bits 5:0 = 12 make the
# poisoned range one 4 KiB page.
. ./lib.sh

MIB=1048576
a=$(namespace_of_size $((256 * MIB)))
b=$(namespace_of_size $((384 * MIB)))
check "two NFIT namespaces" test -n "$a" -a -n "$b"
check "the MCE injector is there" mce_injector
check "modprobe dpmem" modprobe dpmem
pl=$(placement_or head)
check "format for dpmem ($pl placement; head and ram: linear data)" dpmem_format "$a" $pl
check "modprobe nd_pmem" modprobe nd_pmem
check "nd_pmem fsdax on the other" ndctl create-namespace -f -e "$b" -m fsdax -M dev
ad=$(blockdev_of "$a")
bd=$(blockdev_of "$b")
# Physical address of each disk's byte 0.
a_data=$(disk_phys "$a")
b_data=$(disk_phys "$b")
check "data start of $ad and $bd known" test "$a_data" -gt 0 -a "$((b_data))" -gt 0

# wait_for FILE TEXT: up to 10 s for FILE to read TEXT.
wait_for() {
	_i=0
	while [ "$(cat "$1")" != "$2" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	cat "$1"
}

head -c 65536 /dev/urandom >/tmp/pat
for pair in "$ad $a_data" "$bd $b_data"; do
	set -- $pair
	d=$1 base=$(($2))
	check "$d: mkfs.ext4 and mount -o dax" sh -c "mkfs.ext4 -q -F -b 4096 /dev/$d && mount -o dax /dev/$d /mnt"
	cp /tmp/pat /mnt/f
	sync
	off=$(./daxtool phys /mnt/f)
	check "$d: the file's first page at device offset $off" test -n "$off"
	check_eq "$d: no bad blocks yet" "$(cat /sys/block/$d/badblocks)" ""
	./daxtool sysfs-wait /sys/block/$d/badblocks 20000 >/tmp/wait.out 2>&1 &
	waiter=$!
	sleep 1
	dmesg -c >/dev/null
	check "$d: machine check injected at $(printf '%#x' $((base + off)))" inject_mce $((base + off))
	check_eq "$d: the page's sectors are bad" "$(wait_for /sys/block/$d/badblocks "$((off / 512)) 8")" "$((off / 512)) 8"
	wait $waiter
	check_eq "$d: a poller of badblocks was woken" "$?:$(cat /tmp/wait.out)" "0:notified"
	case $d in
	dpmem*) check "$d: dpmem logs the new poison" klog_has "dpmem $a: new poison: 1 bad range" ;;
	esac
	check_fails "$d: a block read of the page fails" dd if=/dev/$d of=/dev/null bs=4k skip=$((off / 4096)) count=1 iflag=direct
	check_fails "$d: read() of the page fails" dd if=/mnt/f of=/dev/null bs=4k count=1
	dd if=/tmp/pat of=/tmp/pat1 bs=4k skip=1 count=1 2>/dev/null
	check "$d: read() of the next page works" sh -c "dd if=/mnt/f bs=4k skip=1 count=1 2>/dev/null | cmp - /tmp/pat1"
	check_fails "$d: DAX refuses to map the page (SIGBUS)" ./daxtool touch /mnt/f 1 0
	dd if=/tmp/pat of=/mnt/f bs=4k count=1 conv=notrunc,fsync 2>/dev/null
	eval "write_rc_$(echo $d | tr -d .)=$?"
	case "$(cat /sys/block/$d/badblocks)" in
	"$((off / 512)) 8") kept=kept ;;
	"") kept=cleared ;;
	*) kept="changed: $(cat /sys/block/$d/badblocks)" ;;
	esac
	eval "bb_after_$(echo $d | tr -d .)='$kept'"
	umount /mnt
done
check_eq "a write over it ends as on nd_pmem" "$(eval echo \$write_rc_$(echo $ad | tr -d .))" "$(eval echo \$write_rc_$(echo $bd | tr -d .))"
check_eq "... and leaves the bad range as nd_pmem does" "$(eval echo \$bb_after_$(echo $ad | tr -d .))" "$(eval echo \$bb_after_$(echo $bd | tr -d .))"
check_fails "no WARN or BUG" klog_has "WARNING:|BUG:|Oops"
done_testing
