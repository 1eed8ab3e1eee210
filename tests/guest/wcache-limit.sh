# SPDX-License-Identifier: GPL-2.0
# guest-args: --mem 512M --nvdimm 768M --nvdimm 640M --nvme 64M
#
# The limit of a sectioned cache (#19 item 4, admin guide "With other
# devices"): dm-writecache in pmem mode maps a cache that is not one
# contiguous run with vmap(), which refuses more pages than the machine has
# RAM. A sectioned dpmem namespace larger than RAM is therefore refused as
# a cache, with ENOMEM and dm-writecache's message, and nothing is left
# behind; the same namespace formatted head (one run), and nd_pmem fsdax
# on another namespace also larger than RAM, work in the same 512 MiB guest.
. ./lib.sh

MIB=1048576
a=$(namespace_of_size $((768 * MIB)))
b=$(namespace_of_size $((640 * MIB)))
check "two namespaces and an NVMe disk" test -n "$a" -a -n "$b" -a -b /dev/nvme0n1
ram=$(awk '/^MemTotal:/{print $2 * 1024}' /proc/meminfo)
export DM_DISABLE_UDEV=1
origin=/dev/nvme0n1
sectors=$(blockdev --getsz $origin)
check "modprobe dpmem" modprobe dpmem
check "dpmem sectioned on $a" dpmem_format "$a" sectioned
d=$(blockdev_of "$a")
check "$d holds more than RAM ($(blockdev --getsize64 /dev/$d) > $ram bytes)" \
	test "$(blockdev --getsize64 /dev/$d)" -gt "$ram"
dd if=/dev/zero of=/dev/$d bs=1M count=4 oflag=direct 2>/dev/null
out=$(dmsetup create wc --table "0 $sectors writecache p $origin /dev/$d 4096 0" 2>&1)
check "$d sectioned: writecache p is refused" test $? -ne 0
case $out in
*'Cannot allocate memory'*) ok "... with ENOMEM" ;;
*) not_ok "... with ENOMEM" "dmsetup said: $out" ;;
esac
check "... and dm-writecache's reason in the kernel log" klog_has 'Unable to map persistent memory for cache'
check_fails "... leaving no device behind" dmsetup info wc
check_eq "... or holding $d" "$(ls /sys/block/$d/holders)" ""

check "unbind $a" sh -c "echo $a >/sys/bus/nd/drivers/dpmem/unbind"
check "$a reformatted head (forced)" dpmem_format "$a head force"
d=$(blockdev_of "$a")
dd if=/dev/zero of=/dev/$d bs=1M count=4 oflag=direct 2>/dev/null
check "$d head: writecache p over $origin" \
	dmsetup create wc --table "0 $sectors writecache p $origin /dev/$d 4096 0"
check "... and fio verifies through it" \
	fio --name=wc --filename=/dev/mapper/wc --rw=randwrite --bs=4k --size=32M \
	--ioengine=psync --direct=1 --verify=crc32c --do_verify=1 --output=/tmp/fio.out
check "... remove" dmsetup remove wc

check "modprobe nd_pmem" modprobe nd_pmem
check "nd_pmem fsdax on $b" ndctl create-namespace -f -e "$b" -m fsdax -M dev
d=$(blockdev_of "$b")
check "$d holds more than RAM too ($(blockdev --getsize64 /dev/$d) > $ram bytes)" \
	test "$(blockdev --getsize64 /dev/$d)" -gt "$ram"
dd if=/dev/zero of=/dev/$d bs=1M count=4 oflag=direct 2>/dev/null
check "$d nd_pmem: writecache p over $origin" \
	dmsetup create wc --table "0 $sectors writecache p $origin /dev/$d 4096 0"
check "... remove" dmsetup remove wc
check_no_kernel_warnings "no WARN or BUG"
done_testing
