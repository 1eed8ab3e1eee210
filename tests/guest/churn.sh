# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G --mem 1G
#
# Churn: 100 cycles of bind / fio write+verify / unbind (head placement:
# each bind builds and each unbind removes the struct pages of the whole
# namespace), 20 of bind / mount -o dax / fault three sections / umount /
# unbind (sectioned), 20 of the same with ram placement (struct pages in
# RAM per 2 MiB), and 50 of modprobe / rmmod with the namespace bound
# (ram, every tenth with struct pages built).
# Guest free memory must come back to where it started (within 4 MiB; not
# compared under KASAN), and on a kmemleak kernel (make check-debug) a scan
# must find nothing.
. ./lib.sh

ns=namespace0.0
a=/sys/bus/nd/devices/$ns/dpmem
# mem_back NAME START: free memory is back to START (within 4 MiB). Not
# on a KASAN kernel, whose quarantine holds freed memory for a while;
# kmemleak checks it instead.
kasan=0
dmesg | grep -q "KernelAddressSanitizer initialized" && kasan=1
mem_back() {
	_now=$(mem_free)
	if [ $kasan = 1 ]; then
		echo "$1: $2 -> $_now kB free (KASAN quarantine: not compared)"
	else
		check "$1 ($2 -> $_now kB)" test $(($2 - _now)) -lt 4096
	fi
}
leaks=/sys/kernel/debug/kmemleak
mount -t debugfs none /sys/kernel/debug 2>/dev/null
[ -w $leaks ] && echo clear >$leaks

wait_head() { # the background struct-page work of a head bind
	_i=0
	while [ "$(cat $a/units_initialised 2>/dev/null)" != 0 ] && [ $_i -lt 600 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	[ "$(cat $a/units_initialised)" = 0 ]
}

check "modprobe dpmem" modprobe dpmem
check "format (head)" dpmem_format "$ns head"
wait_head
# One warm-up cycle: the first unbind/bind and fio run allocate caches
# that stay.
job="--name=churn --filename=/dev/dpmem0 --direct=1 --ioengine=psync --bs=64k --size=4m --verify=crc32c --verify_fatal=1 --rw=randwrite"
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
echo $ns >/sys/bus/nd/drivers/dpmem/bind
wait_head
fio $job --offset=0 >/dev/null 2>&1
start=$(mem_free)

bad=0 fio_bad=0
for i in $(seq 100); do
	echo $ns >/sys/bus/nd/drivers/dpmem/unbind || bad=$((bad + 1))
	echo $ns >/sys/bus/nd/drivers/dpmem/bind || bad=$((bad + 1))
	# Half the cycles start I/O before the struct pages are ready.
	[ $((i % 2)) = 0 ] && { wait_head || bad=$((bad + 1)); }
	fio $job --offset=$(((i % 200) * 4))m >/tmp/fio.out 2>&1 || {
		fio_bad=$((fio_bad + 1))
		tail -n 3 /tmp/fio.out
	}
done
check_eq "100 unbind/bind cycles" "$bad" 0
check_eq "fio write+verify in every cycle" "$fio_bad" 0
wait_head
mem_back "free memory back after 100 cycles" $start

# dax_cycles PLACEMENT FAULTS ATTR MIN: format PLACEMENT, put a 400 MiB file
# on ext4, then 20 cycles of mount / FAULTS (a command line) / at least MIN
# in dpmem/ATTR / umount / unbind / bind / ATTR back to 0, and free memory
# back where it was.
dax_cycles() {
	echo $ns >/sys/bus/nd/drivers/dpmem/unbind
	check "format ($1)" dpmem_format "$ns $1 force"
	check "mkfs.ext4 ($1)" mkfs.ext4 -q -F -b 4096 /dev/dpmem0
	mount -o dax /dev/dpmem0 /mnt && dd if=/dev/urandom of=/mnt/f bs=1M count=400 2>/dev/null && umount /mnt
	start=$(mem_free)
	bad=0
	for i in $(seq 20); do
		mount -o dax /dev/dpmem0 /mnt || bad=$((bad + 1))
		eval "$2" || bad=$((bad + 1))
		[ "$(cat $a/$3)" -ge "$4" ] || bad=$((bad + 1))
		umount /mnt || bad=$((bad + 1))
		echo $ns >/sys/bus/nd/drivers/dpmem/unbind || bad=$((bad + 1))
		echo $ns >/sys/bus/nd/drivers/dpmem/bind || bad=$((bad + 1))
		[ "$(cat $a/$3)" = 0 ] || bad=$((bad + 1))
	done
	check_eq "20 mount/fault/umount/unbind/bind cycles ($1)" "$bad" 0
	mem_back "free memory back after them" $start
}

# Sectioned: the per-section page maps come and go with DAX faults (three
# sections, at least two chunks).
dax_cycles sectioned '(for off in 0 $((130 << 20)) $((260 << 20)); do ./daxtool touch /mnt/f 1 $off >/dev/null || exit 1; done)' \
	chunks_initialised 2
# Ram: the struct pages in RAM come and go per 2 MiB: a read fault every
# 8 MiB, about 50 units, 1.6 MiB of RAM (at least 40 units).
dax_cycles ram './daxtool stride-read /mnt/f $((8 << 20)) >/dev/null' struct_pages_ram $((40 * 32768))

# modprobe/rmmod with a formatted namespace (ram, with struct pages built
# before each rmmod): load binds, unload unbinds and gives them back.
start=$(mem_free)
bad=0
for i in $(seq 50); do
	if [ $((i % 10)) = 0 ]; then
		mount -o dax /dev/dpmem0 /mnt && ./daxtool stride-read /mnt/f $((8 << 20)) >/dev/null &&
			umount /mnt || bad=$((bad + 1))
	fi
	rmmod dpmem || bad=$((bad + 1))
	modprobe dpmem || bad=$((bad + 1))
	[ "$(ns_driver $ns)" = dpmem ] || bad=$((bad + 1))
done
check_eq "50 rmmod/modprobe cycles, bound each time" "$bad" 0
mem_back "free memory back after them" $start

if [ -w $leaks ]; then
	# Objects must be 5 s old to be reported; two scans, as the docs say.
	sleep 6
	echo scan >$leaks
	sleep 6
	echo scan >$leaks
	n=$(grep -c '^unreferenced object' $leaks)
	[ "$n" = 0 ] || head -n 40 $leaks
	check_eq "kmemleak: no unreferenced objects" "$n" 0
fi
check_fails "no WARN or BUG" klog_has "WARNING:|BUG:|Oops"
done_testing
