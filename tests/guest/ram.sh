# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G --mem 1G
#
# Ram and none placement on a 1 GiB namespace. ram: the namespace gives
# 1022 MiB of data (head 1006 MiB), nothing is built at bind, DAX faults
# build struct pages in RAM per 2 MiB, or per ram_unit_mib as formatted
# (64 bytes per 4 KiB page, shown in
# struct_pages_ram and seen in MemFree), unbind and rmmod give it all
# back. none: the same data area as a plain block device (no DAX: ext4
# refuses -o dax, xfs turns it off), so ram and none reformat into each
# other with the data in place; reformatting refuses without force.
. ./lib.sh

MIB=1048576
ns=namespace0.0
a=/sys/bus/nd/devices/$ns/dpmem
ram() { cat $a/struct_pages_ram; }
# nunits LIST: how many units a range list ("0,3-5") names.
nunits() {
	_n=0
	for _r in $(echo "$1" | tr ',' ' '); do
		_n=$((_n + ${_r#*-} - ${_r%-*} + 1))
	done
	echo $_n
}

check "modprobe dpmem" modprobe dpmem
check "format head" dpmem_format "$ns head"
head_size=$(blockdev --getsize64 /dev/dpmem0)
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
free_unbound=$(mem_free)

# --- ram ---
check_refused "ram: reformat refused without force" "File exists" "$ns ram"
check "ram: format with force" dpmem_format "$ns ram force"
check_eq "ram: placement" "$(cat $a/placement)" ram
check_eq "ram: 2 MiB units by default" "$(cat $a/ram_unit)" $((2 * MIB))
check_eq "ram: data from the first 2 MiB boundary" "$(cat $a/data_offset)" $((2 * MIB))
check_eq "ram: 1022 MiB of data (head: $((head_size / MIB)) MiB)" \
	"$(blockdev --getsize64 /dev/dpmem0)" $((1022 * MIB))
check_eq "ram: no descriptors on the device" "$(cat $a/descriptor_bytes) $(cat $a/chunks_total)" "0 0"
check "ram: bind says what all of it would take in RAM" \
	klog_has "$ns: struct pages in RAM, made per 2 MiB as DAX maps the data: 16 MiB if all of it is mapped"
check_eq "ram: nothing built at bind" "$(ram)" 0
free_bound=$(mem_free)
# Within 2 MiB (of 16 MiB for every struct page): per-CPU free lists
# hold some freed pages that MemFree does not count.
check "ram: MemFree does not drop at bind ($free_unbound -> $free_bound kB)" \
	test $((free_unbound - free_bound)) -lt 2048
check_eq "ram: the disk is a DAX host" "$(cat /sys/block/dpmem0/queue/dax)" 1

check "ram: mkfs.ext4" mkfs.ext4 -q -F -b 4096 -E stride=512,stripe_width=512 /dev/dpmem0
check "ram: mount -o dax" mount -o dax /dev/dpmem0 /mnt
check "ram: statx reports DAX" sh -c 'echo x >/mnt/small && ./daxtool statx /mnt/small'
check "ram: 256 MiB written with write()" dd if=/dev/urandom of=/mnt/b bs=1M count=256
sum_b=$(sha256sum </mnt/b)
check_eq "ram: write() built no struct pages" "$(ram)" 0
free_before=$(mem_free)
# Write faults over 512 MiB of a fresh file, one per 2 MiB (PMD faults):
# 256 units of 512 struct pages, 32 KiB each.
check "ram: write faults over 512 MiB" ./daxtool pmd /mnt/c $((512 * MIB))
built=$(ram)
# Two sources: a counter, and the list of units built.
units=$(nunits "$(cat $a/units_initialised)")
check_eq "ram: struct_pages_ram is 32 KiB per 2 MiB unit built ($units units)" "$built" $((units * 32768))
check_eq "ram: chunks_initialised counts on-media chunks only" "$(cat $a/chunks_initialised)" 0
check "ram: the faulted 512 MiB built 8 MiB of struct pages, a unit or two more at most ($built)" \
	test "$built" -ge $((8 * MIB)) -a "$built" -le $((8 * MIB + 65536))
free_after=$(mem_free)
drop=$(((free_before - free_after) * 1024))
# The struct pages, plus per unit about 4 KiB of page map bookkeeping (1
# MiB here); MemFree also moves by a few MiB with the per-CPU free lists
# and the filesystem's metadata (16 MiB once for these 8 in a clean
# check), so the bound above is loose: the point is that the RAM is
# really taken, at least the struct pages' worth.
check "ram: MemFree dropped by the struct pages, about 64 bytes per 4 KiB ($drop bytes for $built)" \
	test "$drop" -ge $((built * 3 / 4)) -a "$drop" -le $((built + 12 * MIB))
check "ram: read faults on b" ./daxtool stride-read /mnt/b $((2 * MIB))
check "ram: MAP_SYNC mapping" ./daxtool mapsync /mnt/sync
head -c $((4 * MIB)) /dev/urandom >/mnt/src
check "ram: O_DIRECT read into a DAX mapping" ./daxtool odirect /mnt/src /mnt/target $((4 * MIB))
check_fails "ram: no struct-page creation failed" klog_has "cannot create struct pages|out of memory for the struct pages"
check "ram: progress logged in 2 MiB units" klog_has "dpmem0: struct pages in RAM for [0-9]+ of 511 units of 2 MiB so far"
check "ram: umount" umount /mnt
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
free_gone=$(mem_free)
check "ram: unbind gives the struct pages back ($free_unbound -> $free_gone kB)" \
	test $((free_unbound - free_gone)) -lt 2048
echo $ns >/sys/bus/nd/drivers/dpmem/bind
check_eq "ram: rebind starts from nothing" "$(ram)" 0
check "ram: clean after unbind/rebind" e2fsck -fn /dev/dpmem0
check "ram: mount again" mount -o dax /dev/dpmem0 /mnt
check_eq "ram: b intact" "$(sha256sum </mnt/b)" "$sum_b"
check "ram: fault b again" ./daxtool stride-read /mnt/b $((2 * MIB))
check "ram: built again" test "$(ram)" -gt 0
check_fails "ram: rmmod refused while mounted" rmmod dpmem
umount /mnt

# --- none: the same data area, no struct pages, no DAX ---
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check_refused "none: reformat refused without force" "File exists" "$ns none"
check "none: format with force" dpmem_format "$ns none force"
check_eq "none: placement" "$(cat $a/placement)" none
check_eq "none: no ram unit" "$(cat $a/ram_unit)" 0
check_eq "none: the capacity of ram" "$(blockdev --getsize64 /dev/dpmem0)" $((1022 * MIB))
check_eq "none: nothing built, no units" "$(ram) $(cat $a/units_initialised)" "0 "
check "none: bind says no DAX" klog_has "$ns: no struct pages \(placement none\): block device only, without DAX"
check_eq "none: the disk is not a DAX host" "$(cat /sys/block/dpmem0/queue/dax)" 0
check "none: ext4 written under ram mounts in place (same data area)" mount /dev/dpmem0 /mnt
check_eq "none: b intact" "$(sha256sum </mnt/b)" "$sum_b"
check_fails "none: statx does not report DAX" ./daxtool statx /mnt/b
umount /mnt
check_fails "none: mount -o dax refused by ext4" mount -o dax /dev/dpmem0 /mnt
check "none: ... with the kernel's message" klog_has "DAX unsupported by block device"
umount /mnt 2>/dev/null
job="--name=blk --filename=/dev/dpmem0 --ioengine=psync --bs=1028k --offset=700m --size=300m --verify=crc32c --verify_fatal=1"
check "none: direct writes, verified" fio $job --rw=write --direct=1 --do_verify=1
check "none: buffered reads, verified" fio $job --rw=write --direct=0 --verify_only
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
echo $ns >/sys/bus/nd/drivers/dpmem/bind
check "none: block data intact after rebind" fio $job --rw=write --direct=1 --verify_only
check "none: xfs" mkfs.xfs -q -f /dev/dpmem0
check "none: xfs mounts with -o dax, DAX off" mount -o dax /dev/dpmem0 /mnt
check "none: ... and says so" klog_has "DAX unsupported by block device. Turning off DAX"
head -c 1048576 /dev/urandom >/tmp/f
check "none: files work" sh -c 'cp /tmp/f /mnt/f && sync && cmp /mnt/f /tmp/f'
check_fails "none: no DAX on its files" ./daxtool statx /mnt/f
umount /mnt
check_eq "none: no struct pages in RAM" "$(ram)" 0

# none -> ram keeps the data too: the xfs made under none mounts with DAX.
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check "none -> ram: format with force" dpmem_format "$ns ram force"
check "none -> ram: xfs mounts with -o dax" mount -o dax /dev/dpmem0 /mnt
check "none -> ram: files report DAX" ./daxtool statx /mnt/f
check "none -> ram: file intact" cmp /mnt/f /tmp/f
# A 4 KiB fault on the last page of a 2 MiB unit builds that unit only
# (if that page is in f: its 1 MiB is contiguous on the device).
phys=$(./daxtool phys /mnt/f)
off=$(((phys / (2 * MIB) + 1) * 2 * MIB - 4096 - phys))
[ $off -lt $MIB ] || off=0
dev=$(./daxtool phys /mnt/f $off)
check "none -> ram: a fault at file offset $off (device $dev)" ./daxtool touch /mnt/f 1 $off
check_eq "none -> ram: ... built its unit only" "$(cat $a/units_initialised)" $((dev / (2 * MIB)))
umount /mnt

# --- ram with larger units: ram_unit_mib at format, kept in the info block ---
p=/sys/module/dpmem/parameters/ram_unit_mib
check_eq "unit: 2 MiB by default" "$(cat $p)" 2
for bad in 0 1 3 130 256 x; do
	check_fails "unit: $bad MiB refused" sh -c "echo $bad >$p"
done
check_eq "unit: still 2 MiB" "$(cat $p)" 2
check "unit: 32 MiB" sh -c "echo 32 >$p"
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check "unit: format ram force with 32 MiB units" dpmem_format "$ns ram force"
check "unit: bind says so" \
	klog_has "$ns: struct pages in RAM, made per 32 MiB as DAX maps the data: 16 MiB if all of it is mapped"
check_eq "unit: the same 1022 MiB of data" "$(blockdev --getsize64 /dev/dpmem0)" $((1022 * MIB))
check_eq "unit: ram_unit shows it" "$(cat $a/ram_unit)" $((32 * MIB))
check "unit: the xfs mounts with -o dax (data in place)" mount -o dax /dev/dpmem0 /mnt
check "unit: file intact" cmp /mnt/f /tmp/f
dev=$(./daxtool phys /mnt/f 0)
check "unit: a fault at device offset $dev" ./daxtool touch /mnt/f 1 0
check_eq "unit: ... built its 32 MiB unit" "$(cat $a/units_initialised)" $((dev / (32 * MIB)))
check_eq "unit: 512 KiB of struct pages for it" "$(ram)" $((32 * MIB / 64))
# The last unit holds 30 MiB (1022 = 31 * 32 + 30): find a page of a file
# there, from the end of one that fills the free space.
check "unit: a file over the free space" \
	sh -c "fallocate -l \$((\$(df -k /mnt | awk 'NR == 2 {print \$4}') * 1024 - 16 * $MIB)) /mnt/fill"
size=$(stat -c %s /mnt/fill)
off=$(((size - 1) / (2 * MIB) * 2 * MIB))
while [ $off -gt 0 ] && [ "$(./daxtool phys /mnt/fill $off)" -lt $((992 * MIB)) ]; do
	off=$((off - 2 * MIB))
done
dev=$(./daxtool phys /mnt/fill $off)
check "unit: a page of a file in the last unit (device offset $dev)" test "${dev:-0}" -ge $((992 * MIB))
# Written first: a read fault on an unwritten extent maps the zero page.
check "unit: a fault there" sh -c "
	dd if=/dev/urandom of=/mnt/fill bs=4096 count=1 seek=$((off / 4096)) conv=notrunc 2>/dev/null &&
	./daxtool touch /mnt/fill 1 $off"
built=$(cat $a/units_initialised)
check_eq "unit: ... built it, two units in all ($built)" "$(nunits "$built")" 2
check "unit: ... the last one, 31" sh -c "case ,$built, in *,31,* | *-31,*) true ;; *) false ;; esac"
check_eq "unit: 480 KiB more for its 30 MiB" "$(ram)" $(((32 + 30) * MIB / 64))
umount /mnt
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check "unit: 2 MiB again for new formats" sh -c "echo 2 >$p"
echo $ns >/sys/bus/nd/drivers/dpmem/bind
check_eq "unit: a rebind keeps the recorded 32 MiB" \
	"$(dmesg | grep -c "$ns: struct pages in RAM, made per 32 MiB as DAX maps the data")" 2
check_eq "unit: ... ram_unit too, whatever the parameter says now" "$(cat $a/ram_unit)" $((32 * MIB))
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check "unit: reformat" dpmem_format "$ns ram force"
check_eq "unit: ... takes the 2 MiB" "$(cat $a/ram_unit)" $((2 * MIB))
check "unit: ... and mounts the same xfs" sh -c "mount -o dax /dev/dpmem0 /mnt && cmp /mnt/f /tmp/f"
umount /mnt

check "rmmod" rmmod dpmem
free_end=$(mem_free)
check "rmmod gives everything back ($free_unbound -> $free_end kB)" \
	test $((free_unbound - free_end)) -lt 2048
check_no_kernel_warnings "no WARN or BUG"
done_testing
