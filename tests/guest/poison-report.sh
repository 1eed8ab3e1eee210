# SPDX-License-Identifier: GPL-2.0
# guest-args: --mem 2G --append memmap=512M!256M,256M!1024M,384M!1536M
#
# Poison the platform reports while a namespace is bound, on a platform
# that can clear it (#18 items 2 and 8). QEMU's NFIT reports poison only
# through a machine check and cannot clear it (mce.sh, desc-poison.sh);
# legacy e820 pmem clears but never reports. The test-only module
# nd_poison_inject does for an e820 region what the NFIT driver does when
# a scrub finds poison: it adds the range to the bus's poison list and
# sends NVDIMM_REVALIDATE_POISON to the region's drivers. (Clearing on e820
# only tells the driver it worked: the bus's list keeps the range, so each
# part of the test uses a region of its own.)
# - In a DAX file's page, on dpmem and on nd_pmem fsdax in the same guest:
#   the sectors appear in the disk's badblocks, reads fail, DAX refuses the
#   page, a write() heals it, and then it reads and maps again.
# - In the descriptor chunk of a sectioned namespace's unit (dpmem only;
#   nd_pmem does not look at its struct-page area): dpmem clears it before
#   building that unit's struct pages, says so, and the unit maps as usual.
. ./lib.sh

MIB=1048576
a=$(namespace_of_size $((512 * MIB)))
b=$(namespace_of_size $((256 * MIB)))
c=$(namespace_of_size $((384 * MIB)))
check "three legacy namespaces" test -n "$a" -a -n "$b" -a -n "$c"
check "the injector loads" insmod ./nd_poison_inject.ko
inject() { echo "$1 $(printf '%x' "$2") $3" >/sys/module/nd_poison_inject/parameters/inject; }
region_of() { basename "$(readlink -f /sys/bus/nd/devices/$1/..)"; }
check "modprobe dpmem" modprobe dpmem
check "format one for dpmem (head)" dpmem_format "$a head"
check "and one sectioned" dpmem_format "$c" sectioned
check "modprobe nd_pmem" modprobe nd_pmem
check "nd_pmem fsdax on the other" ndctl create-namespace -f -e "$b" -m fsdax -M dev
ad=$(blockdev_of "$a")
bd=$(blockdev_of "$b")
a_data=$(disk_phys "$a")
b_data=$(disk_phys "$b")

head -c 65536 /dev/urandom >/tmp/pat
for pair in "$a $ad $a_data" "$b $bd $b_data"; do
	set -- $pair
	ns=$1 d=$2 base=$3
	check "$d: mkfs.ext4 and mount -o dax" sh -c "mkfs.ext4 -q -F -b 4096 /dev/$d && mount -o dax /dev/$d /mnt"
	cp /tmp/pat /mnt/f
	sync
	off=$(./daxtool phys /mnt/f)
	check "$d: the file's first page at device offset $off" test -n "$off"
	dmesg -c >/dev/null
	check "$d: poison reported at $(printf '%#x' $((base + off)))" inject "$(region_of "$ns")" $((base + off)) 4096
	check_eq "$d: the page's sectors are bad" "$(cat /sys/block/$d/badblocks)" "$((off / 512)) 8"
	check_fails "$d: read() of the page fails" dd if=/mnt/f of=/dev/null bs=4k count=1
	check_fails "$d: DAX refuses to map it (SIGBUS)" ./daxtool touch /mnt/f 1 0
	check "$d: a write() over it" dd if=/tmp/pat of=/mnt/f bs=4k count=1 conv=notrunc,fsync
	check_eq "$d: healed: no bad sectors left" "$(cat /sys/block/$d/badblocks)" ""
	check "$d: the page maps again" ./daxtool touch /mnt/f 1 0
	check "$d: the file reads back whole" cmp /mnt/f /tmp/pat
	check "$d: umount" umount /mnt
done

# Descriptor poison, cleared: section 1 of the sectioned namespace starts
# with its chunk (the namespace is 128 MiB aligned).
ad=$(blockdev_of "$c")
units() { cat /sys/bus/nd/devices/$c/dpmem/units_initialised; }
check "mkfs.ext4 and mount -o dax" sh -c "mkfs.ext4 -q -F -b 4096 /dev/$ad && mount -o dax /dev/$ad /mnt"
check_eq "no unit has struct pages" "$(units)" ""
start=$(cat /sys/bus/nd/devices/$c/resource)
chunk=$((start + 128 * MIB + 64 * 1024))
dmesg -c >/dev/null
check "poison reported in unit 1's descriptors" inject "$(region_of "$c")" $chunk 4096
check "dpmem hears of it (outside the data)" klog_has "dpmem $c: 1 bad range\(s\) outside the data"
check_eq "... and lists no bad sectors" "$(cat /sys/block/$ad/badblocks)" ""
check "a 256 MiB file written and verified through a shared mapping" sh -c \
	"./daxtool mwrite /mnt/g $((256 * MIB)) 7 && ./daxtool verify /mnt/g $((256 * MIB)) 7"
check "dpmem cleared the descriptors' poison" \
	klog_has "$ad: cleared poison in the descriptors of unit 1 \($(printf '%#x' $((start + 128 * MIB)))-"
check "the units the file spans, unit 1 included, have struct pages ($(units))" \
	sh -c "cat /sys/bus/nd/devices/$c/dpmem/units_initialised | grep -qE '^0-[12]$'"
check_fails "no unit was fenced" klog_has "hold poison the platform cannot clear"
check "umount" umount /mnt
check "rmmod the injector" rmmod nd_poison_inject
check_no_kernel_warnings "no WARN or BUG"
done_testing
