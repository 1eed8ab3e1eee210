# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G --nvdimm 512M
#
# /dev/dpmemN: geometry and queue flags as nd_pmem gives them, the dpmem/
# sysfs attributes, data integrity (fio crc32c over the whole device, kept
# across unbind/rebind), filesystems, and the lifetime rules (rmmod refused
# while open or mounted, unbind while open or under I/O is safe). Head
# placement, or the one tests/run-guest-tests --placement names (none and
# ram keep no descriptors: data at 2 MiB).
. ./lib.sh

MIB=1048576
ns=$(namespace_of_size $((1024 * MIB)))
pns=$(namespace_of_size $((512 * MIB)))
attr() { cat "/sys/bus/nd/devices/$ns/dpmem/$1"; }

check "modprobe nd_pmem" modprobe nd_pmem
check "modprobe dpmem" modprobe dpmem
echo "$ns" >/sys/bus/nd/drivers/nd_pmem/unbind
pl=$(placement_or head)
check "format $ns ($pl)" dpmem_format "$ns $pl"
check_eq "bound" "$(ns_driver "$ns")" dpmem
disk=$(ls "/sys/bus/nd/devices/$ns/block/" 2>/dev/null)
check_eq "disk is a child of the namespace" "$disk" dpmem0
pdisk=$(ls "/sys/bus/nd/devices/$pns/block/" 2>/dev/null)
check_eq "nd_pmem holds the other namespace" "$pdisk" pmem1
check "/dev/dpmem0 is a block device" test -b /dev/dpmem0

# The dpmem/ attributes and the disk's size agree with the layout.
size=$(cat "/sys/bus/nd/devices/$ns/size")
doff=$((18 * MIB))
[ "$pl" = head ] || doff=$((2 * MIB))
check_eq "data_offset (1 GiB: $((doff / MIB)) MiB)" "$(attr data_offset)" $doff
check_eq "data_size = size - data_offset" "$(attr data_size)" $((size - doff))
check_eq "capacity = data area" "$(cat /sys/block/dpmem0/size)" $(((size - doff) / 512))
check_eq "blockdev --getsize64" "$(blockdev --getsize64 /dev/dpmem0)" $((size - doff))
check_eq "placement" "$(attr placement)" $pl
if [ "$pl" = head ]; then
	desc=$(attr descriptor_bytes)
	npfns=$(((size - 8192) / 4096))
	check "descriptor_bytes holds 64 bytes per page of the namespace" test "$desc" -ge $((64 * npfns))
	check_eq "descriptor area ends where data starts" $((2 * MIB + desc)) "$(attr data_offset)"
	check_eq "chunks_total (one per 128 MiB section)" "$(attr chunks_total)" 8
	check "chunks_initialised is within chunks_total" test "$(attr chunks_initialised)" -le "$(attr chunks_total)"
else
	check_eq "no descriptors on the media" "$(attr descriptor_bytes) $(attr chunks_total)" "0 0"
fi
check "uuid is a uuid" sh -c "attr=\$(cat /sys/bus/nd/devices/$ns/dpmem/uuid); echo \$attr | grep -qE '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\$'"
check_fails "attributes are read-only" sh -c "echo 0 >/sys/bus/nd/devices/$ns/dpmem/data_size"

# Queue flags as the C driver sets them on the same emulated hardware.
for q in logical_block_size physical_block_size write_cache fua rotational max_hw_sectors_kb add_random; do
	check_eq "queue/$q as nd_pmem" "$(cat /sys/block/dpmem0/queue/$q)" "$(cat /sys/block/pmem1/queue/$q)"
done
check_eq "logical block 512" "$(cat /sys/block/dpmem0/queue/logical_block_size)" 512
check_eq "physical block 4096" "$(cat /sys/block/dpmem0/queue/physical_block_size)" 4096
check "ndctl reports dpmem0 as the namespace's blockdev" \
	sh -c "ndctl list -N -n $ns | grep -q '\"blockdev\":\"dpmem0\"'"

# Synchronous (FUA) writes read back, directly and through the page cache.
sync_job="--name=sync --filename=/dev/dpmem0 --ioengine=psync --bs=4k --rw=randwrite --offset=4000k --size=256k --verify=crc32c --verify_fatal=1"
check "O_DIRECT|O_SYNC 4k writes, verified" fio $sync_job --direct=1 --sync=1 --do_verify=1
check "read back through the page cache" fio $sync_job --direct=0 --verify_only
check "buffered writes + fsync, verified O_DIRECT" fio $sync_job --direct=0 --fsync=8 --do_verify=0
check "read back O_DIRECT" fio $sync_job --direct=1 --verify_only
check_fails "writing past the end fails" dd if=/dev/zero of=/dev/dpmem0 bs=4k count=1 seek=$(((size - doff) / 4096)) oflag=direct
check_eq "discard is not offered" "$(cat /sys/block/dpmem0/queue/discard_max_bytes)" 0

# Whole-device integrity: write with crc32c verify headers, read back.
fio_job="--name=whole --filename=/dev/dpmem0 --direct=1 --ioengine=psync --bs=128k --rw=write --size=100% --verify=crc32c --verify_fatal=1"
check "fio crc32c write+verify over the whole device" fio $fio_job --do_verify=1

echo "$ns" >/sys/bus/nd/drivers/dpmem/unbind
check_fails "unbind removes /dev/dpmem0" test -e /dev/dpmem0
check_eq "unbind leaves the namespace free" "$(ns_driver "$ns")" ""
echo "$ns" >/sys/bus/nd/drivers/dpmem/bind
check "rebind brings /dev/dpmem0 back" test -b /dev/dpmem0
check "fio verify_only after unbind/rebind" fio $fio_job --verify_only

# Lifetime: the module stays while the disk is open or mounted.
check_fails "rmmod refused while /dev/dpmem0 is open" sh -c 'exec 3</dev/dpmem0; rmmod dpmem'
check_eq "still bound after the refused rmmod" "$(ns_driver "$ns")" dpmem
for fs in ext4 xfs; do
	case $fs in
	ext4) mk="mkfs.ext4 -q -F -b 4096"; fsck="e2fsck -fn" ;;
	xfs) mk="mkfs.xfs -q -f"; fsck="xfs_repair -n" ;;
	esac
	check "mkfs.$fs" $mk /dev/dpmem0
	check "mount $fs" mount /dev/dpmem0 /mnt
	head -c $((8 * MIB)) /dev/urandom >/tmp/pattern
	cp /tmp/pattern /mnt/pattern && sync
	check_fails "rmmod refused while $fs is mounted" rmmod dpmem
	check "umount $fs" umount /mnt
	check "$fs is clean" $fsck /dev/dpmem0
	mount /dev/dpmem0 /mnt
	check "file read back from $fs" cmp /tmp/pattern /mnt/pattern
	umount /mnt
done

# Unbind while a process holds the disk open: the unbind completes, the
# stale descriptor gets errors, and the namespace can be bound again.
exec 3</dev/dpmem0
echo "$ns" >/sys/bus/nd/drivers/dpmem/unbind
check_eq "unbind while open completes" "$(ns_driver "$ns")" ""
check_eq "the open descriptor reads nothing" "$(dd bs=4k count=1 <&3 2>/dev/null | wc -c)" 0
exec 3<&-
echo "$ns" >/sys/bus/nd/drivers/dpmem/bind
check_eq "rebinds after the holder closed" "$(ns_driver "$ns")" dpmem

# Unbind under I/O: fio fails, nothing hangs or crashes, rebind works.
fio --name=busy --filename=/dev/dpmem0 --direct=1 --ioengine=psync --bs=4k --rw=randrw \
	--numjobs=2 --time_based --runtime=60 >/tmp/busy.log 2>&1 &
busy=$!
sleep 3
echo "$ns" >/sys/bus/nd/drivers/dpmem/unbind
check_eq "unbind under I/O completes" "$(ns_driver "$ns")" ""
wait $busy
busy_rc=$?
check_fails "fio saw the device go away" test $busy_rc -eq 0
echo "$ns" >/sys/bus/nd/drivers/dpmem/bind
check_eq "rebinds after unbind under I/O" "$(ns_driver "$ns")" dpmem
check "device usable after that" dd if=/dev/dpmem0 of=/dev/null bs=1M count=4 iflag=direct

check "rmmod dpmem once closed" rmmod dpmem
check_eq "namespace free after rmmod" "$(ns_driver "$ns")" ""
done_testing
