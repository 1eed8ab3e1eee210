# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G
#
# Unbind while a DAX fault waits for struct pages (#18 item 6), sectioned
# placement, on ext4 and xfs: the lazy-init worker is slowed down
# (lazy_init_delay_ms, a testing knob) so that the first fault in a section
# is still waiting when the namespace is unbound under the mounted
# filesystem. The unbind completes; the faulting process either gets its
# page (and reads the same data for as long as it keeps the mapping) or
# SIGBUS, never other data; no mapping outlives the struct pages it uses:
# the namespace's range stays claimed (a rebind is refused as busy) until
# the filesystem lets go of the disk, and unmounting, which walks the
# file's DAX entries and their struct pages, is clean; afterwards the
# namespace binds again with its data intact.
. ./lib.sh

ns=namespace0.0
MIB=1048576
delay=/sys/module/dpmem/parameters/lazy_init_delay_ms
units() { cat /sys/bus/nd/devices/$ns/dpmem/units_initialised; }

check "modprobe dpmem" modprobe dpmem
check "format sectioned" dpmem_format $ns sectioned
check "the delay knob exists" test -w $delay
for fs in ext4 xfs; do
	case $fs in
	ext4) mkfs="mkfs.ext4 -q -F -b 4096" ;;
	xfs) mkfs="mkfs.xfs -q -f" ;;
	esac
	check "$fs: mkfs and mount -o dax" sh -c "$mkfs /dev/dpmem0 && mount -o dax /dev/dpmem0 /mnt"
	head -c $((4 * MIB)) /dev/urandom >/tmp/data
	check "$fs: a 4 MiB file written with write()" sh -c "cp /tmp/data /mnt/f && sync"
	# Remount: nothing of the file is mapped, no struct pages exist.
	umount /mnt
	echo $ns >/sys/bus/nd/drivers/dpmem/unbind
	echo $ns >/sys/bus/nd/drivers/dpmem/bind
	mount -o dax /dev/dpmem0 /mnt
	check_eq "$fs: no section has struct pages" "$(units)" ""

	echo 3000 >$delay
	./daxtool hold /mnt/f 8 >/tmp/hold.out 2>&1 &
	holder=$!
	sleep 1
	check_eq "$fs: the fault is waiting for struct pages" "$(units):$(cat /tmp/hold.out)" ":"
	dmesg -c >/dev/null
	us=$(./daxtool timed-write /sys/bus/nd/drivers/dpmem/unbind $ns)
	check_eq "$fs: unbind during the wait completes" "$(ns_driver $ns)" ""
	# It waited for the fault (kill_dax), which waited for the worker's
	# remaining 2 s: the unbind did happen while the fault was waiting.
	check "$fs: ... after waiting for the fault ($((us / 1000)) ms)" test "$us" -gt 1000000
	echo 0 >$delay
	check_fails "$fs: while the filesystem holds the disk, rebinding is refused" \
		sh -c "echo $ns >/sys/bus/nd/drivers/dpmem/bind"
	check "$fs: ... as busy" klog_has "dpmem $ns: the namespace.s range is still in use"
	wait $holder
	rc=$?
	case "$rc:$(tr '\n' ' ' </tmp/hold.out)" in
	"0:mapped same ") ok "$fs: the process kept reading its own data" ;;
	"135:"*) ok "$fs: the process got SIGBUS (mapping revoked)" ;;
	*) not_ok "$fs: the waiting fault ended cleanly" "rc $rc: $(cat /tmp/hold.out)" ;;
	esac
	check "$fs: unmount after unbind" umount /mnt
	check "$fs: rebind once unmounted" sh -c "echo $ns >/sys/bus/nd/drivers/dpmem/bind"
	check "$fs: mount again" mount -o dax /dev/dpmem0 /mnt
	check "$fs: the file is intact" cmp /mnt/f /tmp/data
	umount /mnt
	check_fails "$fs: no WARN or BUG" klog_has "WARNING:|BUG:|Oops|Call Trace"
done
check "rmmod" rmmod dpmem
done_testing
