# SPDX-License-Identifier: GPL-2.0
# Guest half of scripts/profile-unbind (busybox sh): a grouped namespace
# of GIB with every struct page built is unbound with 64 teardown threads
# and with 1, then the same namespace as nd_pmem fsdax map=dev; each
# unbind timed without perf ("PROF ... us"), then again under
# `perf record -a -g` (cpu-clock), whose profiles follow.
#
# usage: sh profile-unbind-guest.sh GIB
. ./lib.sh
GIB=$1
STEP=134217728
die() { echo "profile-unbind: $*" >&2; exit 1; }
t() { ./daxtool timed-write "$@"; }
modprobe dpmem && modprobe nd_pmem || die "modprobe"
ns=$(namespace_of_size $((GIB << 30))) || die "no ${GIB} GiB namespace"
# nd_pmem takes a raw namespace at once.
[ "$(ns_driver "$ns")" = nd_pmem ] && echo $ns >/sys/bus/nd/drivers/nd_pmem/unbind
# grouped: the namespace as grouped with an ext4 filled by one file with
# data every 128 MiB; left unbound.
grouped() {
	dpmem_format "$ns grouped force" >/dev/null || die "format $ns"
	b=$(ls /sys/bus/nd/devices/$ns/block)
	mkfs.ext4 -q -F -b 4096 -i 16777216 -E lazy_itable_init=1,lazy_journal_init=1,nodiscard /dev/$b ||
		die mkfs
	mount -o dax,noinit_itable /dev/$b /mnt || die mount
	avail=$(df -k /mnt | awk 'NR == 2 {print $4}')
	fallocate -l $(((avail * 1024 - 64 * 1048576) / STEP * STEP)) /mnt/big || die fallocate
	./daxtool stride-write /mnt/big $STEP || die stride-write
	umount /mnt
	echo $ns >/sys/bus/nd/drivers/dpmem/unbind
}
grouped
# built: bind and fault every 128 MiB of the file: the groups it covers
# are built (at least 90 % of the chunks: ext4's metadata and the margin
# leave a few groups without file data); says how many.
built() {
	echo $ns >/sys/bus/nd/drivers/dpmem/bind || die bind
	mount -o dax,noinit_itable /dev/$b /mnt && ./daxtool stride-read /mnt/big $STEP >/dev/null &&
		umount /mnt || die "build all"
	_a=/sys/bus/nd/devices/$ns/dpmem
	_c=$(cat $_a/chunks_initialised) _t=$(cat $_a/chunks_total)
	[ $((_c * 10)) -ge $((_t * 9)) ] || die "only $_c of $_t chunks built"
	echo "PROF built $_c of $_t chunks"
}
# timed PATH TEXT: the sysfs write's time in us, or die.
timed() { _us=$(t "$1" "$2") && [ -n "$_us" ] || die "writing $2 to $1"; echo "$_us"; }
grouped_unbind() { # THREADS [perf]
	echo $1 >/sys/module/dpmem/parameters/teardown_threads || die teardown_threads
	built
	if [ -n "${2:-}" ]; then
		perf record -q -a -g -e cpu-clock -F 999 -o /tmp/g$1.data -- \
			sh -c "echo $ns >/sys/bus/nd/drivers/dpmem/unbind" || die "perf record"
	else
		_us=$(timed /sys/bus/nd/drivers/dpmem/unbind $ns) || exit 1
		echo "PROF grouped unbind, $1 threads: $_us us"
	fi
}
for th in 64 1 64; do grouped_unbind $th; done
echo 64 >/sys/module/dpmem/parameters/teardown_threads
ndctl create-namespace -f -e $ns -m fsdax -M dev >/dev/null 2>&1 || die "fsdax on $ns"
pfn=$(for p in /sys/bus/nd/devices/pfn*; do
	[ "$(cat $p/namespace 2>/dev/null)" = "$ns" ] && echo ${p##*/}
done | head -n1)
[ -n "$pfn" ] || die "no pfn device for $ns"
for r in 1 2; do
	_us=$(timed /sys/bus/nd/drivers/nd_pmem/unbind $pfn) || exit 1
	echo "PROF nd_pmem unbind: $_us us"
	echo $pfn >/sys/bus/nd/drivers/nd_pmem/bind || die "nd_pmem bind"
done
perf record -q -a -g -e cpu-clock -F 999 -o /tmp/nd.data -- \
	sh -c "echo $pfn >/sys/bus/nd/drivers/nd_pmem/unbind" || die "perf record"

ndctl create-namespace -f -e $ns -m raw >/dev/null 2>&1
[ "$(ns_driver "$ns")" = nd_pmem ] && echo $ns >/sys/bus/nd/drivers/nd_pmem/unbind
# nd_pmem's struct pages overwrote the start of grouped's data: anew.
grouped
for th in 64 1; do grouped_unbind $th perf; done
for d in g64 g1 nd; do
	[ -s /tmp/$d.data ] || die "no profile $d"
	echo "=== $d (perf): where the samples are"
	perf report -i /tmp/$d.data --stdio --no-children --sort sym -g none --percent-limit 1 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -20
	echo "=== $d (perf): inclusive"
	perf report -i /tmp/$d.data --stdio --children --sort sym -g none --percent-limit 3 2>/dev/null |
		grep -v '^#' | grep -v '^$' | grep -v '_R[NI]' | head -30
done
echo PROFDONE
