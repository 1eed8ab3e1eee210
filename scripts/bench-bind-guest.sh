# SPDX-License-Identifier: GPL-2.0
# Guest half of scripts/bench-bind: prints "BENCH bind GIB MODE USEC",
# "BENCH headinit GIB MS" and "BENCH fault FIRST_US WARM_US" lines.
. ./lib.sh
rounds=${1:-5}
GIB=1073741824
modprobe dpmem
modprobe nd_pmem
# nd_pmem grabbed every raw namespace at load: release them all.
for d in /sys/bus/nd/drivers/nd_pmem/namespace*; do
	[ -e "$d" ] && echo "${d##*/}" >/sys/bus/nd/drivers/nd_pmem/unbind
done
bind_us() { ./daxtool timed-write /sys/bus/nd/drivers/$1/bind $2; }
uptime_ms() { awk '{ split($1, t, "."); print t[1] * 1000 + t[2] * 10 }' /proc/uptime; }

for gib in 1 4 16 64; do
	ns=$(namespace_of_size $((gib * GIB))) || { echo "no ${gib}G namespace"; exit 1; }
	a=/sys/bus/nd/devices/$ns/dpmem
	for r in $(seq "$rounds"); do
		# dpmem, head: bind returns before the struct pages exist; wait
		# for the worker before the next measurement.
		dpmem_format "$ns head force" >/dev/null || exit 1
		echo $ns >/sys/bus/nd/drivers/dpmem/unbind
		echo "BENCH bind $gib head $(bind_us dpmem $ns)"
		t0=$(uptime_ms)
		i=0
		while [ "$(cat $a/units_initialised)" != 0 ]; do
			i=$((i + 1))
			[ $i -gt 2400 ] && { echo "head struct pages of $ns never became ready"; exit 1; }
			sleep 0.05
		done
		[ "$r" = 1 ] && echo "BENCH headinit $gib $(($(uptime_ms) - t0))"
		echo $ns >/sys/bus/nd/drivers/dpmem/unbind
		dpmem_format "$ns sectioned force" >/dev/null || exit 1
		echo $ns >/sys/bus/nd/drivers/dpmem/unbind
		echo "BENCH bind $gib sectioned $(bind_us dpmem $ns)"
		echo $ns >/sys/bus/nd/drivers/dpmem/unbind
		# The C driver: a pfn device with struct pages on the media.
		ndctl create-namespace -f -e $ns -m fsdax -M dev >/dev/null 2>&1 || { echo "ndctl create-namespace failed on $ns"; exit 1; }
		pfn=$(for p in /sys/bus/nd/devices/pfn*; do [ "$(cat $p/namespace 2>/dev/null)" = "$ns" ] && echo ${p##*/}; done | head -n1)
		[ -n "$pfn" ] || { echo "no pfn device for $ns"; exit 1; }
		echo $pfn >/sys/bus/nd/drivers/nd_pmem/unbind
		echo "BENCH bind $gib nd_pmem $(bind_us nd_pmem $pfn)"
		echo $pfn >/sys/bus/nd/drivers/nd_pmem/bind
		# Back to a raw namespace nobody holds (dpmem's forced format
		# overwrites the pfn info block).
		ndctl create-namespace -f -e $ns -m raw >/dev/null 2>&1 || { echo "ndctl could not release $ns"; exit 1; }
		echo $ns >/sys/bus/nd/drivers/nd_pmem/unbind 2>/dev/null
	done
done

# First-fault latency: sectioned 4 GiB, ext4 -o dax.
ns=$(namespace_of_size $((4 * GIB)))
dpmem_format "$ns sectioned force" >/dev/null || exit 1
dev=/dev/$(ls /sys/bus/nd/devices/$ns/block)
mkfs.ext4 -q -F -b 4096 "$dev" && mount -o dax "$dev" /mnt || exit 1
head -c 65536 /dev/urandom >/mnt/f
sync
first=$(./daxtool touch /mnt/f 1 0)
warm=$(./daxtool touch /mnt/f 1 32768)
echo "BENCH fault $first $warm"
umount /mnt

# Teardown: unbind with many initialised sections (16 GiB sectioned, one
# written page faulted every 126 MiB of a preallocated file: reads of
# unwritten extents map the zero page, not ours).
ns=$(namespace_of_size $((16 * GIB)))
dpmem_format "$ns sectioned force" >/dev/null || exit 1
dev=/dev/$(ls /sys/bus/nd/devices/$ns/block)
a=/sys/bus/nd/devices/$ns/dpmem
mkfs.ext4 -q -F -b 4096 "$dev" && mount -o dax "$dev" /mnt || exit 1
fallocate -l 14G /mnt/big || exit 1
off=0
while [ $off -lt $((14 * GIB)) ]; do
	dd if=/dev/urandom of=/mnt/big bs=4096 count=1 seek=$((off / 4096)) conv=notrunc 2>/dev/null || exit 1
	./daxtool touch /mnt/big 1 $off >/dev/null || exit 1
	off=$((off + 126 * 1048576))
done
umount /mnt
n=$(cat $a/chunks_initialised)
t0=$(uptime_ms)
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
echo "BENCH teardown $n $(($(uptime_ms) - t0))"
