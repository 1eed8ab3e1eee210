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

say "rmmod dpmem"
rmmod dpmem
dmesg | grep -E 'dpmem.*released' | sed 's/^/  kernel: /'
d=$(ns_driver $ns)
echo "$ns driver after rmmod: ${d:-none}"
if [ -z "$d" ]; then echo "the namespace is free again"; fi
