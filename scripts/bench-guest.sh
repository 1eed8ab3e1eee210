# SPDX-License-Identifier: GPL-2.0
# Guest half of scripts/bench and scripts/profile (busybox sh): the same
# I/O and DAX workloads on nd_pmem (fsdax map=dev) and dpmem (head), one
# nvdimm each, ROUNDS times. Each row runs on both drivers back to back,
# so the two figures of a pair are taken seconds apart (this host's speed
# drifts over minutes); rounds alternate which driver runs first and which
# nvdimm each driver gets.
# With other devices (#19): O_DIRECT between an emulated NVMe disk and a
# shared mapping of a file on each driver's ext4 -o dax (the kernel pins
# the DAX pages and hands them to the NVMe controller; reads DMA zeros
# into them, writes are dropped unread, see below), and fio
# through dm-writecache in pmem mode with each driver's disk as the cache
# in front of the NVMe disk. The NVMe disk is QEMU's null driver (each
# request done at once, no host I/O): a file-backed one completes when the
# host's I/O does, which paces those rows by the host. Even so an emulated
# device completes asynchronously to the guest's instruction clock (some
# requests wait for a timer tick under ICOUNT=1), so the dio-loop rows do
# the same into a loop device on a tmpfs file, all guest instructions.
# Prints "BENCH ROUND DEV ROW JSON" for fio runs (DEV is c or dpmem) and
# "BENCHV ROUND DEV ROW VALUE" for daxtool figures.
#
# usage: sh bench-guest.sh ROUNDS RUNTIME [ROW-PATTERN [perf [PLACEMENT]]]
# ROW-PATTERN (shell globs separated by commas, default *) picks the
# rows; "perf" samples the whole guest (cpu-clock) during each fio run and
# prints the hottest symbols and instructions per driver between
# PROFILE-BEGIN/PROFILE-END lines. PLACEMENT (default head) is dpmem's;
# with none, the rows that need DAX (dax-*, dio-*, wc-*) are skipped.
. ./lib.sh
rounds=${1:-5}
rt=${2:-3}
only=${3:-*}
perf=${4:-}
placement=${5:-head}

modprobe nd_pmem
modprobe dpmem
# Huge pages for the rows whose fio buffer is one (iomem=shmhuge).
echo 8 >/proc/sys/vm/nr_hugepages
# The dio-loop rows' disk: a loop device on a file in RAM.
mkdir -p /tmp/ram && mount -t tmpfs -o size=520m tmpfs /tmp/ram &&
	dd if=/dev/zero of=/tmp/ram/disk bs=1M count=512 2>/dev/null && losetup /dev/loop0 /tmp/ram/disk ||
	{ echo "cannot set up the loop device"; exit 1; }

blockdev_of() { # blockdev_of NAMESPACE: /dev/ node ndctl reports for it
	_b=$(ndctl list -N -n $1 | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p')
	[ -n "$_b" ] && echo /dev/$_b
}

# setup_roles C_NS DPMEM_NS: nd_pmem fsdax map=dev on the first, dpmem
# (head) on the second. Rounds swap the nvdimms so neither driver always
# gets the same one.
setup_roles() {
	ndctl create-namespace -f -e $1 -m fsdax -M dev >/dev/null 2>&1 || { echo "cannot make $1 fsdax"; exit 1; }
	ndctl create-namespace -f -e $2 -m raw >/dev/null 2>&1 || { echo "cannot make $2 raw"; exit 1; }
	ndctl disable-namespace $2 >/dev/null 2>&1
	dpmem_format "$2 $placement force" >/dev/null || { echo "cannot format $2 for dpmem ($placement)"; exit 1; }
	dev_c=$(blockdev_of $1) dev_dpmem=$(blockdev_of $2)
	[ -b "$dev_c" ] && [ -b "$dev_dpmem" ] || { echo "no block device for $1 or $2"; ndctl list -N; exit 1; }
	echo "BENCHINFO c $1 $dev_c $(blockdev --getsize64 $dev_c) dpmem $2 $dev_dpmem $(blockdev --getsize64 $dev_dpmem) $placement"
	# The head worker must be done before anything is measured.
	_i=0
	while [ "$placement" = head ] && [ "$(cat /sys/bus/nd/devices/$2/dpmem/units_initialised)" != 0 ]; do
		_i=$((_i + 1)); [ $_i -gt 600 ] && { echo "dpmem struct pages never became ready"; exit 1; }
		sleep 0.1
	done
	# Warm up: the first touch of an nvdimm page faults on the host
	# (sparse backing file) and costs milliseconds.
	for _d in $dev_c $dev_dpmem; do
		# All of it: dm-writecache's rows use blocks all over the device.
		dd if=/dev/zero of=$_d bs=1M count=$(($(blockdev --getsize64 $_d) >> 20)) oflag=direct 2>/dev/null ||
			{ echo "warm-up write of $_d failed"; exit 1; }
		dd if=$_d of=/dev/null bs=1M count=1024 iflag=direct 2>/dev/null
	done
}

wanted() { # wanted ROW: whether ROW matches one of the ROW-PATTERN globs
	if [ "$placement" = none ]; then
		case $1 in dax-* | dio-* | wc-*) return 1 ;; esac
	fi
	set -f # the globs are patterns, not file names
	for _g in $(echo "$only" | tr ',' ' '); do
		case $1 in $_g) set +f; return 0 ;; esac
	done
	set +f
	return 1
}

fio_row() { # fio_row ROUND DEV ROW FIO-ARGS...
	_r=$1 _d=$2 _row=$3
	shift 3
	# scramble_buffers=0: by default fio rewrites a few bytes of every
	# 512 in each write buffer (to defeat deduplicating targets); turning
	# that off cut the DAX 2 MiB write row's instructions per I/O by 16 %
	# (make profile: get_io_u), fio's work and not the path under test.
	_fio="fio --name=bench --group_reporting --time_based --runtime=$rt --ramp_time=1 --scramble_buffers=0 --output-format=json --output=/tmp/fio.json"
	if [ -n "$perf" ]; then
		perf record -q -a -e cpu-clock -F 4999 -g -o /tmp/perf.data -- $_fio "$@" >/dev/null 2>/tmp/fio.err ||
			{ echo "perf/fio failed on $_d $_row: $(cat /tmp/fio.err)"; exit 1; }
		echo "PROFILE-BEGIN $_r $_d $_row"
		perf report -i /tmp/perf.data --stdio --no-children --sort sym -g none --percent-limit 0.5 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 40
		echo "hottest instructions:"
		perf script -i /tmp/perf.data -G -F ip,sym,symoff 2>/dev/null | sed "s/^[[:space:]]*[0-9a-f]* //" |
			sort | uniq -c | sort -rn | head -n 15
		echo "PROFILE-END"
	else
		$_fio "$@" >/dev/null 2>/tmp/fio.err ||
			{ echo "fio failed on $_d $_row: $(cat /tmp/fio.err)"; exit 1; }
	fi
	echo "BENCH $_r $_d $_row $(tr -d '\n\t' </tmp/fio.json)"
}

# fio_pair ROUND ROW FIO-ARGS...: the row on both drivers, in this round's
# order, on their raw block devices (DEV below stands for the device).
fio_pair() {
	_pr=$1 _prow=$2
	shift 2
	wanted $_prow || return 0
	for _pd in $order; do
		eval _pdev=\$dev_$_pd
		fio_row $_pr $_pd $_prow --filename=$_pdev "$@"
	done
}

# aa_pair ROUND ROW FIO-ARGS...: an A/A pair, the row twice on nd_pmem's
# device with the second run reported in dpmem's column: the spread of
# its ratio is what noise alone does to a ratio in this run.
aa_pair() {
	_pr=$1 _prow=$2
	shift 2
	wanted $_prow || return 0
	for _pd in $order; do
		fio_row $_pr $_pd $_prow --filename=$dev_c "$@"
	done
}

block_rows() { # block_rows ROUND
	b="--direct=1 --size=1g"
	# Two jobs get a vCPU each: left to the scheduler they sometimes
	# share one, and the row measures that instead of the driver.
	two="--numjobs=2 --cpus_allowed=0-1 --cpus_allowed_policy=split"
	aa_pair $1 aa-randread-4k-pvsync2-1j $b --rw=randread --bs=4k --ioengine=pvsync2 --numjobs=1
	fio_pair $1 randread-4k-pvsync2-1j $b --rw=randread --bs=4k --ioengine=pvsync2 --numjobs=1
	fio_pair $1 randwrite-4k-pvsync2-1j $b --rw=randwrite --bs=4k --ioengine=pvsync2 --numjobs=1
	fio_pair $1 randread-4k-pvsync2-2j $b --rw=randread --bs=4k --ioengine=pvsync2 $two
	fio_pair $1 randwrite-4k-pvsync2-2j $b --rw=randwrite --bs=4k --ioengine=pvsync2 $two
	fio_pair $1 randread-4k-psync-1j $b --rw=randread --bs=4k --ioengine=psync --numjobs=1
	fio_pair $1 randwrite-4k-psync-1j $b --rw=randwrite --bs=4k --ioengine=psync --numjobs=1
	fio_pair $1 read-128k-pvsync2 $b --rw=read --bs=128k --ioengine=pvsync2 --numjobs=1
	fio_pair $1 write-128k-pvsync2 $b --rw=write --bs=128k --ioengine=pvsync2 --numjobs=1
	# The same with fio's buffer in a 2 MiB huge page: direct I/O then
	# pins, dirties and unpins one folio per bio instead of 32 pages, and
	# the bio carries one 128 KiB bvec. Below the rows above, that
	# per-page work is most of what is not the copy.
	h="--iomem=shmhuge --hugepage-size=2m"
	fio_pair $1 read-128k-pvsync2-hugebuf $b --rw=read --bs=128k --ioengine=pvsync2 --numjobs=1 $h
	fio_pair $1 write-128k-pvsync2-hugebuf $b --rw=write --bs=128k --ioengine=pvsync2 --numjobs=1 $h
}

# wc_pair ROUND ROW FIO-ARGS...: the row through dm-writecache in pmem
# mode, each driver's disk the cache in front of the NVMe disk: a fresh
# cache per run (its metadata zeroed), removed after it. The runs stay
# within 512 MiB, under the cache's writeback watermark, so the row
# measures the cache, not the NVMe disk.
wc_pair() {
	_pr=$1 _prow=$2
	shift 2
	wanted $_prow || return 0
	_sectors=$(blockdev --getsz /dev/nvme0n1)
	for _pd in $order; do
		eval _pdev=\$dev_$_pd
		dd if=/dev/zero of=$_pdev bs=1M count=4 oflag=direct 2>/dev/null
		DM_DISABLE_UDEV=1 dmsetup create wc --table "0 $_sectors writecache p /dev/nvme0n1 $_pdev 4096 0" ||
			{ echo "dm-writecache on $_pdev failed"; exit 1; }
		fio_row $_pr $_pd $_prow --filename=/dev/mapper/wc --direct=1 --size=512m "$@"
		# status: error, blocks, free blocks, blocks under writeback, ...
		dmsetup status wc | awk '{ exit !($7 == 0 && $6 * 2 >= $5) }' ||
			{ echo "dm-writecache wrote back during $_prow: $(dmsetup status wc)"; exit 1; }
		DM_DISABLE_UDEV=1 dmsetup remove wc || { echo "dmsetup remove failed after $_prow"; exit 1; }
	done
}

wc_rows() { # wc_rows ROUND
	wc_pair $1 wc-randwrite-4k --rw=randwrite --bs=4k --ioengine=pvsync2
	wc_pair $1 wc-write-128k --rw=write --bs=128k --ioengine=pvsync2
}

# dio_pair ROUND ROW DISK FIO-ARGS...: O_DIRECT between DISK and fio's
# buffer, a shared mapping of a file on the driver's ext4 -o dax (8 MiB:
# fio maps bs * iodepth of it, 128 KiB here).
dio_pair() {
	_pr=$1 _prow=$2 _disk=$3
	shift 3
	wanted $_prow || return 0
	for _pd in $order; do
		dd if=/dev/zero of=/mnt/$_pd/diobuf bs=1M count=8 2>/dev/null
		fio_row $_pr $_pd $_prow --filename=$_disk --direct=1 --size=512m \
			--iomem=mmapshared:/mnt/$_pd/diobuf "$@"
	done
}

# dax_pair ROUND ROW FIO-ARGS...: the row on both drivers' ext4 -o dax,
# on the preallocated file.
dax_pair() {
	_pr=$1 _prow=$2
	shift 2
	wanted $_prow || return 0
	for _pd in $order; do
		fio_row $_pr $_pd $_prow --filename=/mnt/$_pd/fio.dat --size=512m --ioengine=mmap "$@"
	done
}

dax_rows() { # dax_rows ROUND
	dax_pair $1 dax-mmap-randread-4k --rw=randread --bs=4k
	dax_pair $1 dax-mmap-randwrite-4k --rw=randwrite --bs=4k
	dax_pair $1 dax-mmap-read-2m --rw=read --bs=2m
	dax_pair $1 dax-mmap-write-2m --rw=write --bs=2m
	dio_pair $1 dio-nvme-read-128k /dev/nvme0n1 --rw=read --bs=128k --ioengine=pvsync2
	dio_pair $1 dio-nvme-write-128k /dev/nvme0n1 --rw=write --bs=128k --ioengine=pvsync2
	dio_pair $1 dio-nvme-randread-4k /dev/nvme0n1 --rw=randread --bs=4k --ioengine=pvsync2
	# The same into a loop device on a file in RAM (tmpfs): no emulated
	# device, every step is guest instructions (see the NVMe note above).
	dio_pair $1 dio-loop-read-128k /dev/loop0 --rw=read --bs=128k --ioengine=pvsync2
	dio_pair $1 dio-loop-write-128k /dev/loop0 --rw=write --bs=128k --ioengine=pvsync2
	for kind in huge small; do
		wanted dax-first-touch-$kind || continue
		for d in $order; do
			v=$(./daxtool faults /mnt/$d/fresh $((256 << 20)) $kind) || { echo "daxtool faults failed on $d"; exit 1; }
			rm -f /mnt/$d/fresh
			echo "BENCHV $1 $d dax-first-touch-$kind $v"
		done
	done
}

for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		order="c dpmem"
		setup_roles namespace0.0 namespace1.0
	else
		order="dpmem c"
		setup_roles namespace1.0 namespace0.0
	fi
	# Ceilings, copying as much at a time as the sequential rows do:
	# glibc's memcpy, and the two copies the kernel uses here
	# (copy_mc_to_kernel is rep movsb on this CPU, memcpy_flushcache is
	# movnti), so each row can be set against the copy it actually does.
	if wanted ceiling; then
		for c in libc:128 libc:2048 movsb:128 movnti:128; do
			echo "BENCHV $r ceiling ${c%:*}-${c#*:}k $(./daxtool memcpy 128 2 ${c%:*} ${c#*:})"
		done
	fi
	block_rows $r
	wc_rows $r
	any_dax=
	for row in dax-mmap-randread-4k dax-mmap-randwrite-4k dax-mmap-read-2m dax-mmap-write-2m \
		dio-nvme-read-128k dio-nvme-write-128k dio-nvme-randread-4k dio-loop-read-128k dio-loop-write-128k \
		dax-first-touch-huge dax-first-touch-small; do
		wanted $row && any_dax=1
	done
	[ -n "$any_dax" ] || continue
	# DAX: a fresh ext4 -o dax on each device per round.
	for d in $order; do
		eval dev=\$dev_$d
		mkdir -p /mnt/$d
		# Inode tables and journal zeroed by mkfs: lazily, ext4lazyinit
		# would zero them with bios in the background while rows run.
		mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 $dev &&
			mount -o dax $dev /mnt/$d || { echo "mkfs/mount -o dax failed on $dev"; exit 1; }
		# fio lays the file out once (not measured) before the rows.
		fio --name=layout --filename=/mnt/$d/fio.dat --size=512m --rw=write --bs=2m >/dev/null 2>&1
	done
	# scripts/bench-heat counts descriptor writes between these lines.
	echo "HEAT-BEGIN $r"
	dax_rows $r
	echo "HEAT-END $r"
	for d in $order; do umount /mnt/$d; done
done
echo "BENCHDONE"
