# SPDX-License-Identifier: GPL-2.0
# guest-args: --mem 2G --append memmap=512M!1G --nvdimm 256M --nvdimm 384M
#
# Bad sectors, entered through /sys/block/<disk>/badblocks (the kernel's
# own injection path for pmem disks): reads there fail with EIO, other
# sectors still read, and a write asks the platform to clear the poison.
# On legacy e820 pmem (memmap=) clearing always succeeds, so the write
# repairs the sector; on QEMU's NFIT it cannot (no ARS/clear-error DSM),
# and dpmem must then behave exactly like nd_pmem on the same platform.
# The e820 namespace also shows dpmem binding legacy pmem.
. ./lib.sh

MIB=1048576
legacy=$(namespace_of_size $((512 * MIB)))
nfit=$(namespace_of_size $((256 * MIB)))
cmp_ns=$(namespace_of_size $((384 * MIB)))
check "three namespaces" test -n "$legacy" -a -n "$nfit" -a -n "$cmp_ns"
check_eq "the memmap= namespace is legacy e820 pmem" \
	"$(cat /sys/bus/nd/devices/$legacy/devtype)" nd_namespace_io
check "modprobe dpmem" modprobe dpmem
check "format legacy pmem" dpmem_format "$legacy"
check "format the NFIT namespace" dpmem_format "$nfit"
check "modprobe nd_pmem (takes the third)" modprobe nd_pmem
check_eq "nd_pmem holds the comparison namespace" "$(ns_driver "$cmp_ns")" nd_pmem
ldisk=$(ls /sys/bus/nd/devices/$legacy/block/)
ndisk=$(ls /sys/bus/nd/devices/$nfit/block/)
pdisk=$(ls /sys/bus/nd/devices/$cmp_ns/block/)
check "legacy pmem gives a dpmem disk" test -b "/dev/$ldisk"

head -c $((64 * 1024)) /dev/urandom >/tmp/pat
for d in $ldisk $ndisk $pdisk; do
	dd if=/tmp/pat of=/dev/$d bs=4k oflag=direct 2>/dev/null
	check_eq "$d: empty bad-block list" "$(cat /sys/block/$d/badblocks)" ""
	echo "16 8" >/sys/block/$d/badblocks
	check_eq "$d: sectors 16-23 marked bad" "$(cat /sys/block/$d/badblocks)" "16 8"
	check_fails "$d: reading a bad sector fails" dd if=/dev/$d of=/dev/null bs=4k skip=2 count=1 iflag=direct
	check_fails "$d: a read spanning it fails" dd if=/dev/$d of=/dev/null bs=64k count=1 iflag=direct
	check "$d: good sectors still read" sh -c "dd if=/dev/$d bs=4k count=2 iflag=direct 2>/dev/null | cmp - /tmp/pat -n 8192"
done

# Legacy pmem: the write clears the poison and the data reads back.
check "$ldisk: write over the bad sectors" dd if=/tmp/pat of=/dev/$ldisk bs=4k skip=2 seek=2 count=1 oflag=direct
check_eq "$ldisk: bad-block list cleared by the write" "$(cat /sys/block/$ldisk/badblocks)" ""
check "$ldisk: whole pattern reads back" sh -c "dd if=/dev/$ldisk bs=64k count=1 iflag=direct 2>/dev/null | cmp - /tmp/pat"

# DAX over a bad block (legacy pmem, where clearing works): the page of a
# file on ext4 -o dax is not mapped (SIGBUS), read() fails with EIO, and a
# write() over it clears the poison through recovery_write.
check "$ldisk: mkfs.ext4 and mount -o dax" sh -c "mkfs.ext4 -q -F -b 4096 /dev/$ldisk && mount -o dax /dev/$ldisk /mnt"
head -c 65536 /dev/urandom >/mnt/f
sync
phys=$(./daxtool phys /mnt/f)
check "DAX: file's first page at device offset $phys" test -n "$phys"
echo "$((phys / 512)) 8" >/sys/block/$ldisk/badblocks
check_eq "DAX: its sectors marked bad" "$(cat /sys/block/$ldisk/badblocks)" "$((phys / 512)) 8"
check_fails "DAX: a mapping of the bad page is refused (SIGBUS)" ./daxtool touch /mnt/f 1 0
check_fails "DAX: read() of the bad page fails" dd if=/mnt/f of=/dev/null bs=4k count=1
check "DAX: read() of the next page works" dd if=/mnt/f of=/dev/null bs=4k skip=1 count=1
check "DAX: write() over the bad page" dd if=/tmp/pat of=/mnt/f bs=4k count=1 conv=notrunc,fsync
check_eq "DAX: bad-block list cleared by it" "$(cat /sys/block/$ldisk/badblocks)" ""
check "DAX: the page maps again" ./daxtool touch /mnt/f 1 0
check "DAX: and holds what was written" sh -c "dd if=/mnt/f bs=4k count=1 2>/dev/null | cmp - /tmp/pat -n 4096"
umount /mnt

# NFIT: same outcome as nd_pmem, whatever the platform allows.
for d in $ndisk $pdisk; do
	dd if=/tmp/pat of=/dev/$d bs=4k skip=2 seek=2 count=1 oflag=direct 2>/dev/null
	eval "rc_$(echo $d | tr . _)=$?"
done
check_eq "NFIT: write over poison ends as with nd_pmem" "$(eval echo \$rc_$(echo $ndisk | tr . _))" "$(eval echo \$rc_$(echo $pdisk | tr . _))"
check_eq "NFIT: bad-block list afterwards as with nd_pmem" "$(cat /sys/block/$ndisk/badblocks)" "$(cat /sys/block/$pdisk/badblocks)"
done_testing
