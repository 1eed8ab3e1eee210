# SPDX-License-Identifier: GPL-2.0
# guest-args: --mem 2G --append memmap=256M!1G,128M!1536M --nvdimm 384M --nvdimm 640M
#
# What libnvdimm tells a bound driver, and what the driver tells pollers
# (#18 items 2 and 7), on dpmem and on nd_pmem fsdax in the same guest:
# - a region made read-only (or writable again) at run time turns its disk
#   read-only (NVDIMM_REVALIDATE_REGION, as nd_pmem_notify() does);
# - a DAX write that clears poison wakes pollers of the disk's badblocks
#   file (sysfs_notify, as pmem_clear_bb() does), on legacy e820 pmem where
#   clearing works;
# - the disk has dax/write_cache.
. ./lib.sh

MIB=1048576
la=$(namespace_of_size $((256 * MIB)))
lb=$(namespace_of_size $((128 * MIB)))
na=$(namespace_of_size $((384 * MIB)))
nb=$(namespace_of_size $((640 * MIB)))
check "four namespaces" test -n "$la" -a -n "$lb" -a -n "$na" -a -n "$nb"
check "modprobe dpmem" modprobe dpmem
check "format legacy pmem for dpmem" dpmem_format "$la"
check "format an NFIT namespace for dpmem" dpmem_format "$na"
check "modprobe nd_pmem" modprobe nd_pmem
check "nd_pmem fsdax on legacy pmem" ndctl create-namespace -f -e "$lb" -m fsdax -M dev
check "nd_pmem fsdax on NFIT" ndctl create-namespace -f -e "$nb" -m fsdax -M dev
la_d=$(blockdev_of "$la")
lb_d=$(blockdev_of "$lb")
na_d=$(blockdev_of "$na")
nb_d=$(blockdev_of "$nb")
check "dpmem disks" sh -c "echo $la_d $na_d | grep -q '^dpmem[0-9]* dpmem[0-9]*$'"
check "nd_pmem disks" sh -c "echo $lb_d $nb_d | grep -q '^pmem[0-9]* pmem[0-9]*$'"

# Read-only regions.
for pair in "$na $na_d" "$nb $nb_d"; do
	set -- $pair
	ns=$1 d=$2
	region=$(basename "$(readlink -f /sys/bus/nd/devices/$ns/..)")
	check_eq "$d: writable" "$(cat /sys/block/$d/ro)" 0
	echo 1 >/sys/bus/nd/devices/$region/read_only
	check_eq "$d: read-only once $region is" "$(cat /sys/block/$d/ro)" 1
	check_fails "$d: a write is refused" dd if=/dev/zero of=/dev/$d bs=4k count=1 oflag=direct
	echo 0 >/sys/bus/nd/devices/$region/read_only
	check_eq "$d: writable again with $region" "$(cat /sys/block/$d/ro)" 0
	check "$d: a write works" dd if=/dev/zero of=/dev/$d bs=4k count=1 oflag=direct
done
region=$(basename "$(readlink -f /sys/bus/nd/devices/$na/..)")
echo 1 >/sys/bus/nd/devices/$region/read_only
check "dpmem: rebind on a read-only region" sh -c \
	"echo $na >/sys/bus/nd/drivers/dpmem/unbind && echo $na >/sys/bus/nd/drivers/dpmem/bind"
na_d=$(blockdev_of "$na")
check_eq "$na_d: read-only from bind" "$(cat /sys/block/$na_d/ro)" 1
echo 0 >/sys/bus/nd/devices/$region/read_only
check_eq "$na_d: writable again" "$(cat /sys/block/$na_d/ro)" 0

# dax/write_cache under the disk (#18 item 7), as nd_pmem has it.
check_eq "dax/write_cache: dpmem starts as nd_pmem" \
	"$(cat /sys/block/$na_d/dax/write_cache 2>&1)" "$(cat /sys/block/$nb_d/dax/write_cache 2>&1)"
for d in $na_d $nb_d; do
	check "$d: dax/write_cache off" sh -c "echo 0 >/sys/block/$d/dax/write_cache"
	check_eq "$d: ... reads 0" "$(cat /sys/block/$d/dax/write_cache)" 0
	check "$d: dax/write_cache on" sh -c "echo 1 >/sys/block/$d/dax/write_cache"
	check_eq "$d: ... reads 1" "$(cat /sys/block/$d/dax/write_cache)" 1
	check_fails "$d: nonsense is refused" sh -c "echo maybe >/sys/block/$d/dax/write_cache"
done

# Pollers of badblocks, woken when a DAX write clears poison.
head -c 65536 /dev/urandom >/tmp/pat
for d in $la_d $lb_d; do
	check "$d: mkfs.ext4 and mount -o dax" sh -c \
		"mkfs.ext4 -q -F -b 4096 /dev/$d && mount -o dax /dev/$d /mnt"
	cp /tmp/pat /mnt/f
	sync
	phys=$(./daxtool phys /mnt/f)
	echo "$((phys / 512)) 8" >/sys/block/$d/badblocks
	check_eq "$d: the file's first page marked bad" "$(cat /sys/block/$d/badblocks)" "$((phys / 512)) 8"
	./daxtool sysfs-wait /sys/block/$d/badblocks 20000 >/tmp/wait.out 2>&1 &
	waiter=$!
	sleep 1
	check "$d: DAX write() over the bad page" dd if=/tmp/pat of=/mnt/f bs=4k count=1 conv=notrunc,fsync
	check_eq "$d: bad-block list cleared" "$(cat /sys/block/$d/badblocks)" ""
	wait $waiter
	check_eq "$d: a poller of badblocks was woken" "$?:$(cat /tmp/wait.out)" "0:notified"
	umount /mnt
done
check_fails "no WARN or BUG" klog_has "WARNING:|BUG:|Oops"
done_testing
