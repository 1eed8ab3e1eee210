# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 4G
#
# Lazy descriptor initialisation with sectioned placement on a 4 GiB
# namespace (32 sections): nothing is initialised at bind; block I/O
# across the chunks and read()/write() on DAX files initialise nothing;
# a DAX fault initialises exactly its own section; 16 threads faulting one
# untouched section initialise it once; unbind tears down what was
# initialised and a rebind starts from zero again. Then grouped placement
# on the same namespace: two units of 16 sections, each built whole by
# the first fault in it, and nothing else.
. ./lib.sh

MIB=1048576
ns=namespace0.0
a=/sys/bus/nd/devices/$ns/dpmem
chunks() { cat $a/chunks_initialised; }
units() { cat $a/units_initialised; }
# unit_of DEVICE_OFFSET: the section holding that device byte (data starts
# with 124 MiB in section 0, then 126 MiB per section).
unit_of() {
	if [ "$1" -lt $((124 * MIB)) ]; then
		echo 0
	else
		echo $((1 + ($1 - 124 * MIB) / (126 * MIB)))
	fi
}
# has_unit LIST N: the range list (e.g. "0,3-5") contains N.
has_unit() {
	for _r in $(echo "$1" | tr ',' ' '); do
		_lo=${_r%-*} _hi=${_r#*-}
		[ "$2" -ge "$_lo" ] && [ "$2" -le "$_hi" ] && return 0
	done
	return 1
}
uptime_cs() { awk '{ split($1, t, "."); print t[1] * 100 + t[2] }' /proc/uptime; }

check "modprobe dpmem" modprobe dpmem
check "format sectioned" dpmem_format "$ns sectioned"
check_eq "32 chunks, one per section" "$(cat $a/chunks_total)" 32
size_sectioned=$(blockdev --getsize64 /dev/dpmem0)
check_eq "no chunk initialised right after bind" "$(chunks)" 0
check_eq "no unit listed right after bind" "$(units)" ""

# Raw I/O in 1028 KiB blocks from 120 MiB over 600 MiB: blocks straddle
# the chunks of sections 1 to 4, so the data path splits them.
job="--name=cross --filename=/dev/dpmem0 --ioengine=psync --bs=1028k --offset=120m --size=600m --verify=crc32c --verify_fatal=1"
check "direct writes across chunks, verified" fio $job --rw=write --direct=1 --do_verify=1
check "buffered reads across chunks" fio $job --rw=write --direct=0 --verify_only
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
echo $ns >/sys/bus/nd/drivers/dpmem/bind
check "data across chunks intact after rebind" fio $job --rw=write --direct=1 --verify_only
check_eq "block I/O initialised no chunk" "$(chunks)" 0

check "mkfs.ext4" mkfs.ext4 -q -F -b 4096 /dev/dpmem0
check "mount -o dax" mount -o dax /dev/dpmem0 /mnt
head -c $((64 * 1024)) /dev/urandom >/mnt/a
dd if=/dev/zero of=/mnt/b bs=1M count=640 2>/dev/null
sync
cmp_a=$(sha256sum </mnt/a)
check_eq "write() and read() on DAX files initialised no chunk" "$(chunks)" 0

# One page of a: exactly its section.
phys=$(./daxtool phys /mnt/a)
ua=$(unit_of "$phys")
us=$(./daxtool touch /mnt/a 1)
check_eq "one fault initialised one chunk" "$(chunks)" 1
check_eq "... the one of its own section ($ua, device offset $phys, first fault ${us} us)" "$(units)" "$ua"
check "progress logged for the first section" klog_has "dpmem0: struct pages for 1 of 32 sections so far"

# An untouched section of b, faulted by 16 threads at once.
off=0 ub=
while [ $off -lt $((640 * MIB)) ]; do
	p=$(./daxtool phys /mnt/b $off)
	u=$(unit_of "$p")
	# 16 pages inside one section and not section a's.
	if [ "$u" != "$ua" ] && [ "$(unit_of $((p + 16 * 4096)))" = "$u" ]; then
		ub=$u
		break
	fi
	off=$((off + 64 * MIB))
done
check "found an untouched section under b" test -n "$ub"
us=$(./daxtool touch /mnt/b 16 $off)
check "16 threads faulting one untouched section all succeed (${us} us)" test -n "$us"
check_eq "... and initialise one more chunk" "$(chunks)" 2
check "... the one of their section ($ub)" has_unit "$(units)" "$ub"
check "... and section a's is still there" has_unit "$(units)" "$ua"
check_fails "no struct-page creation failed" klog_has "cannot create struct pages"

# Fault every 2 MiB of b: many sections, each initialised once.
check "write faults over b" ./daxtool pmd /mnt/b $((640 * MIB))
n=$(chunks)
check "b's sections initialised ($n chunks)" test "$n" -ge 5 -a "$n" -le 32
# At most one progress line per 10 s, and not one per section.
lines=$(dmesg | grep -c "dpmem0: struct pages for .* sections so far")
check "progress lines are rate limited ($lines for $n sections)" test "$lines" -lt "$n"
check_eq "file a intact" "$(sha256sum </mnt/a)" "$cmp_a"
check "umount" umount /mnt

t0=$(uptime_cs)
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
t1=$(uptime_cs)
echo "unbind with $n initialised sections took $(((t1 - t0) * 10)) ms"
check_eq "unbind completes" "$(ns_driver $ns)" ""
echo $ns >/sys/bus/nd/drivers/dpmem/bind
check_eq "rebind starts from zero" "$(chunks)" 0
check "mount again" mount -o dax /dev/dpmem0 /mnt
check_eq "file a intact after rebind" "$(sha256sum </mnt/a)" "$cmp_a"
check "fault after rebind" ./daxtool touch /mnt/a 4
check_eq "... initialises its section again" "$(units)" "$ua"
umount /mnt

# Grouped: unit 0 holds the info block, its 16 chunks and 2014 MiB of
# data (16 x 126 MiB less 2 MiB), unit 1 the rest.
gunit_of() { echo $((($1 + 2 * MIB) / (2016 * MIB))); }
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check "format grouped" dpmem_format "$ns grouped force"
check_eq "grouped: placement" "$(cat $a/placement)" grouped
check_eq "grouped: 32 chunks" "$(cat $a/chunks_total)" 32
check_eq "grouped: the capacity of sectioned" "$(blockdev --getsize64 /dev/dpmem0)" "$size_sectioned"
check_eq "grouped: no chunk initialised right after bind" "$(chunks)" 0
# Block I/O across the end of unit 0 (device byte 2014 MiB), where the
# data jumps over unit 1's 16 chunks; verified again after a rebind.
gjob="--name=gcross --filename=/dev/dpmem0 --ioengine=psync --bs=1028k --offset=1990m --size=60m --verify=crc32c --verify_fatal=1"
check "grouped: direct writes across the units, verified" fio $gjob --rw=write --direct=1 --do_verify=1
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
echo $ns >/sys/bus/nd/drivers/dpmem/bind
check "grouped: ... intact after rebind" fio $gjob --rw=write --direct=1 --verify_only
check_eq "grouped: block I/O built nothing" "$(chunks)" 0
check "grouped: mkfs.ext4" mkfs.ext4 -q -F -b 4096 /dev/dpmem0
check "grouped: mount -o dax" mount -o dax /dev/dpmem0 /mnt
check "grouped: a file over both units" fallocate -l $((3500 * MIB)) /mnt/c
# Data every 64 MiB (write(), no struct pages): a read fault on an
# unwritten extent would map the zero page, not one of ours.
check "grouped: written every 64 MiB" ./daxtool stride-write /mnt/c $((64 * MIB))
check_eq "grouped: write() built nothing" "$(chunks)" 0
# The first page of c in unit 1, then one in unit 0.
off=0 o1= o0=
while [ $off -lt $((3500 * MIB)) ]; do
	u=$(gunit_of "$(./daxtool phys /mnt/c $off)")
	[ "$u" = 1 ] && [ -z "$o1" ] && o1=$off
	[ "$u" = 0 ] && [ -z "$o0" ] && o0=$off
	off=$((off + 64 * MIB))
done
check "grouped: c has pages in both units" test -n "$o0" -a -n "$o1"
us=$(./daxtool touch /mnt/c 16 "$o1")
check "grouped: 16 threads fault unit 1 (${us} us)" test -n "$us"
check_eq "grouped: ... which built its 16 chunks" "$(chunks)" 16
check_eq "grouped: ... and only unit 1" "$(units)" 1
check "grouped: progress counts groups" klog_has "dpmem0: struct pages for 1 of 2 groups of sections so far"
us=$(./daxtool touch /mnt/c 1 "$o0")
check_eq "grouped: a fault in unit 0 builds the other 16 (${us} us)" "$(chunks)" 32
check_eq "grouped: both units listed" "$(units)" 0-1
check "grouped: write faults over c" ./daxtool pmd /mnt/c $((3500 * MIB))
check "grouped: umount" umount /mnt
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check_eq "grouped: unbind completes" "$(ns_driver $ns)" ""
echo $ns >/sys/bus/nd/drivers/dpmem/bind
check_eq "grouped: rebind starts from zero" "$(chunks)" 0
check "grouped: clean after unbind/rebind" e2fsck -fn /dev/dpmem0
check "rmmod" rmmod dpmem
check_fails "no WARN or BUG" klog_has "WARNING:|BUG:|Oops"
done_testing
