# SPDX-License-Identifier: GPL-2.0
#
# Guest side of `make demo` (busybox sh): what dpmem does, step by step.
set -e
. ./lib.sh

say() { printf '\n=== %s\n' "$*"; }
ns=namespace0.0

say "The emulated NVDIMM, as the nd bus sees it"
echo "region0: $(cat /sys/bus/nd/devices/region0/size) bytes at $(cat /sys/bus/nd/devices/region0/resource)"
d=$(ns_driver $ns)
echo "$ns: $(cat /sys/bus/nd/devices/$ns/size) bytes, mode $(cat /sys/bus/nd/devices/$ns/mode), driver: ${d:-none}"

say "modprobe dpmem (an unformatted namespace is left alone)"
modprobe dpmem
dmesg | grep -E '] dpmem( namespace|: )' | sed 's/^/  kernel: /'
d=$(ns_driver $ns)
echo "$ns driver: ${d:-none}"

say "echo $ns > /sys/bus/nd/drivers/dpmem/format"
dmesg -c >/dev/null
echo $ns >/sys/bus/nd/drivers/dpmem/format
dmesg | grep -E '] dpmem( namespace|: )' | sed 's/^/  kernel: /'
echo "$ns is now bound to: $(ns_driver $ns)"
ndctl list -N 2>/dev/null | sed 's/^/  ndctl: /' || true

say "The block device: the namespace minus the reservation"
a=/sys/bus/nd/devices/$ns/dpmem
size=$(cat /sys/bus/nd/devices/$ns/size)
echo "  /dev/dpmem0: $(blockdev --getsize64 /dev/dpmem0) bytes ($(($(blockdev --getsize64 /dev/dpmem0) >> 20)) MiB)"
echo "  reservation: $(cat $a/data_offset) bytes at the head = 8 KiB info + $(cat $a/descriptor_bytes) bytes of descriptors (+ alignment)"
echo "               $(awk "BEGIN{printf \"%.4f\", 100 * $(cat $a/data_offset) / $size}") % of the namespace; 64 bytes per 4 KiB page = 1.5625 %"
echo "  descriptor chunks: $(cat $a/chunks_total) x 2 MiB ($(cat $a/placement) placement), initialised so far: $(cat $a/chunks_initialised)"
for f in $a/*; do echo "  $f = $(cat $f)"; done

say "mkfs.ext4 + mount -o dax, write a file, remount, read it back"
mkfs.ext4 -q -F -b 4096 /dev/dpmem0
mount -o dax /dev/dpmem0 /mnt
grep '^/dev/dpmem0' /proc/mounts | sed 's/^/  mounts: /'
head -c 16777216 /dev/urandom >/tmp/file
cp /tmp/file /mnt/file
if ./daxtool statx /mnt/file; then echo "  statx: /mnt/file has STATX_ATTR_DAX (loads and stores go straight to pmem)"; fi
./daxtool mapsync /mnt/sync && echo "  mmap(MAP_SYNC) on a file: allowed"
sum1=$(md5sum </tmp/file)
umount /mnt
mount -o dax /dev/dpmem0 /mnt
sum2=$(md5sum </mnt/file)
echo "  written md5 ${sum1%% *}, read back md5 ${sum2%% *}"
[ "$sum1" = "$sum2" ] && echo "  same data after remount"
echo "  struct pages in use: $(cat $a/chunks_initialised) of $(cat $a/chunks_total) descriptor chunks, all on the device:"
echo "  MemFree $(awk '/^MemFree:/ {print $2}' /proc/meminfo) kB of MemTotal $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) kB (the 32 MiB of descriptors are not in RAM)"
df -h /mnt | sed 's/^/  df: /'
umount /mnt

say "rmmod dpmem"
rmmod dpmem
dmesg | grep -E 'dpmem.*released' | sed 's/^/  kernel: /'
d=$(ns_driver $ns)
echo "$ns driver after rmmod: ${d:-none}"
if [ -z "$d" ]; then echo "the namespace is free again"; fi
