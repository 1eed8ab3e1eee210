# SPDX-License-Identifier: GPL-2.0
# Guest half of scripts/bench-bind (busybox sh): for each namespace size
# (GiB, one nvdimm each) and each of dpmem head, sectioned and grouped and
# nd_pmem fsdax map=dev (or the MODES given), ROUNDS rounds of:
#   bind (the sysfs write), then from the start of the bind until the first
#   DAX fault is served (mount included) at a random 128 MiB step of a file
#   filling the filesystem, and at its last step; 16 threads faulting 16
#   steps spread over the file at once; unbind after one fault and right
#   after bind (head: while its background work runs);
# and once per size: the time until every struct page exists (head: the
# background work; sectioned, grouped: a fault every 128 MiB; ram: a fault
# per unit, up to 16 GiB, as its struct pages are in RAM; nd_pmem: the
# bind),
# guest RAM (MemFree, Slab, PageTables) unbound, bound and with every
# struct page built, and the unbind after that.
# Mode none (no struct pages, no DAX) has only binds, unbinds and RAM.
# Mode ramN is ram placement formatted with ram_unit_mib=N (ram: 2 MiB).
# Prints "BENCH KIND GIB MODE ..." lines (see scripts/bench-bind).
#
# "modprobe8" instead: every namespace (8 of 128 GiB) formatted with the
# default placement and given a filesystem, then dpmem unloaded and timed
# from modprobe until it returns and until every namespace has served a
# DAX fault (mounted and faulted all at once): "BENCH modprobe8 N US US".
#
# usage: sh bench-bind-guest.sh ROUNDS GIB,GIB,... [MODE,MODE,...]
#        sh bench-bind-guest.sh modprobe8
. ./lib.sh
rounds=${1:-5}
sizes=$(echo "${2:-1,16,256,1024}" | tr ',' ' ')
modes=$(echo "${3:-head,sectioned,grouped,nd_pmem}" | tr ',' ' ')
GIB=1073741824
STEP=134217728
if [ "$rounds" = modprobe8 ]; then
	modprobe dpmem
	n=0
	for d in /sys/bus/nd/devices/namespace*; do
		ns=${d##*/}
		n=$((n + 1))
		dpmem_format "$ns" >/dev/null || { echo "bench-bind: format $ns"; exit 1; }
		b=$(ls /sys/bus/nd/devices/$ns/block)
		mkdir -p /mnt/$ns
		mkfs.ext4 -q -F -b 4096 -i 16777216 -E lazy_itable_init=1,lazy_journal_init=1,nodiscard /dev/$b &&
			mount -o dax,noinit_itable /dev/$b /mnt/$ns && fallocate -l 1G /mnt/$ns/f &&
			./daxtool stride-write /mnt/$ns/f $STEP && umount /mnt/$ns || { echo "bench-bind: mkfs $ns"; exit 1; }
	done
	rmmod dpmem || exit 1
	t0=$(./daxtool now)
	modprobe dpmem || exit 1
	t1=$(./daxtool now)
	for d in /sys/bus/nd/devices/namespace*; do
		ns=${d##*/}
		(mount -o dax,noinit_itable /dev/$(ls /sys/bus/nd/devices/$ns/block) /mnt/$ns &&
			./daxtool touch /mnt/$ns/f 1 $((5 * STEP)) >/dev/null || echo >/tmp/unusable-$ns) &
	done
	wait
	t2=$(./daxtool now)
	for d in /sys/bus/nd/devices/namespace*; do
		[ -e /tmp/unusable-${d##*/} ] && { echo "bench-bind: ${d##*/} not usable"; exit 1; }
		umount /mnt/${d##*/}
	done
	echo "BENCH modprobe8 $n $((t1 - t0)) $((t2 - t0))"
	echo BENCHDONE
	exit 0
fi
modprobe dpmem
modprobe nd_pmem
# nd_pmem grabbed every raw namespace at load: release them all.
for d in /sys/bus/nd/drivers/nd_pmem/namespace*; do
	[ -e "$d" ] && echo "${d##*/}" >/sys/bus/nd/drivers/nd_pmem/unbind
done
now() { ./daxtool now; }
die() { echo "bench-bind: $*"; exit 1; }
# ram STAGE: RAM in use (kB) after dropping caches: MemTotal - MemFree,
# Slab, PageTables.
ram() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	awk -v s="$1" -v g="$gib" -v m="$mode" '/^MemTotal:/{t=$2} /^MemFree:/{f=$2} /^Slab:/{sl=$2}
		/^PageTables:/{pt=$2} END{print "BENCH ram", g, m, s, t - f, sl, pt}' /proc/meminfo
}
bind() { ./daxtool timed-write /sys/bus/nd/drivers/$drv/bind $dev; }
unbind() { ./daxtool timed-write /sys/bus/nd/drivers/$drv/unbind $dev; }
mnt() { mount -o dax,noinit_itable /dev/$(ls /sys/bus/nd/devices/$dev/block) /mnt || die "mount $mode $gib"; }
ready() { # ready: wait until head's background work is done
	_i=0
	while [ "$(cat /sys/bus/nd/devices/$ns/dpmem/units_initialised)" != 0 ]; do
		_i=$((_i + 1))
		[ $_i -gt 60000 ] && die "struct pages of $ns never became ready"
		sleep 0.01
	done
}

# setup MODE: the namespace as MODE, a fresh ext4 filled by one file whose
# 4 KiB at every 128 MiB step hold data (a read fault on an unwritten
# extent maps the zero page, not a page of ours); left unbound. Sets drv,
# dev and steps (the file's number of steps).
setup() {
	mode=$1
	case $mode in
	head | sectioned | grouped | ram | ram[0-9]* | none)
		_unit=${mode#ram}
		case $mode in ram*) echo "${_unit:-2}" >/sys/module/dpmem/parameters/ram_unit_mib ||
			die "ram_unit_mib ${_unit:-2}" ;;
		esac
		[ "$(ns_driver "$ns")" = dpmem ] && echo $ns >/sys/bus/nd/drivers/dpmem/unbind
		[ -n "$(ns_driver "$ns")" ] && ndctl create-namespace -f -e $ns -m raw >/dev/null 2>&1
		[ -n "$(ns_driver "$ns")" ] && echo $ns >/sys/bus/nd/drivers/nd_pmem/unbind
		dpmem_format "$ns ${mode%%[0-9]*} force" >/dev/null || die "format $ns $mode"
		drv=dpmem dev=$ns
		if [ $mode = none ]; then
			unbind >/dev/null
			return
		fi
		;;
	nd_pmem)
		echo $ns >/sys/bus/nd/drivers/dpmem/unbind
		ndctl create-namespace -f -e $ns -m fsdax -M dev >/dev/null 2>&1 || die "fsdax on $ns"
		drv=nd_pmem
		dev=$(for p in /sys/bus/nd/devices/pfn*; do
			[ "$(cat $p/namespace 2>/dev/null)" = "$ns" ] && echo ${p##*/}
		done | head -n1)
		[ -n "$dev" ] || die "no pfn device for $ns"
		;;
	esac
	# Few inodes (one per 16 MiB): the metadata mkfs and the mount write
	# is real host disk under a sparse backing file (5 % of the size with
	# the default inode count), and one file needs no more.
	mkfs.ext4 -q -F -b 4096 -i 16777216 -E lazy_itable_init=1,lazy_journal_init=1,nodiscard \
		/dev/$(ls /sys/bus/nd/devices/$dev/block) || die "mkfs $mode $gib"
	mnt
	avail=$(df -k /mnt | awk 'NR == 2 {print $4}')
	steps=$(((avail * 1024 - 64 * 1048576) / STEP))
	fallocate -l $((steps * STEP)) /mnt/big || die "fallocate $mode $gib"
	# ram's units are 2 MiB or ram_unit_mib: data in each, so a fault per
	# unit builds all.
	wstep=$STEP
	case $mode in ram*) wstep=$(($(cat /sys/module/dpmem/parameters/ram_unit_mib) << 20)) ;; esac
	./daxtool stride-write /mnt/big $wstep || die "stride-write $mode $gib"
	umount /mnt
	unbind >/dev/null
}

# first WHERE STEP: bind, mount, one fault at STEP; prints the time from
# the bind, and the fault's own time; then unbind.
first() {
	t0=$(now)
	echo "BENCH bind $gib $mode $(bind)"
	mnt
	f=$(./daxtool touch /mnt/big 1 $(($2 * STEP))) || die "fault $mode $gib"
	echo "BENCH first $gib $mode $1 $(($(now) - t0)) $f"
	umount /mnt
	echo "BENCH unbind $gib $mode one $(unbind)"
}

for gib in $sizes; do
	ns=$(namespace_of_size $((gib * GIB))) || die "no ${gib}G namespace"
	for m in $modes; do
		[ "$m" = modprobe8 ] && continue
		# All of ram's struct pages would not fit the guest's RAM.
		case $m in ram*) [ "$gib" -gt 16 ] && continue ;; esac
		setup $m
		if [ $m = none ]; then
			for r in $(seq "$rounds"); do
				echo "BENCH bind $gib $mode $(bind)"
				echo "BENCH unbind $gib $mode none $(unbind)"
			done
			ram unbound
			bind >/dev/null
			ram bound
			unbind >/dev/null
			continue
		fi
		for r in $(seq "$rounds"); do
			first random $((($(./daxtool now) / 7) % steps))
			first last $((steps - 1))
			# 16 threads, 16 steps spread over the file (small files:
			# some share a section).
			s16=$((steps / 16))
			[ $s16 -ge 1 ] || s16=1
			t0=$(now)
			bind >/dev/null
			mnt
			f=$(./daxtool touch /mnt/big 16 0 $((s16 * STEP))) || die "16 faults $mode $gib"
			echo "BENCH first16 $gib $mode $(($(now) - t0)) $f"
			umount /mnt
			unbind >/dev/null
			bind >/dev/null
			echo "BENCH unbind $gib $mode none $(unbind)"
		done
		# Every struct page.
		ram unbound
		t0=$(now)
		bind >/dev/null
		case $mode in
		head) ready ;;
		sectioned | grouped | ram*)
			mnt
			./daxtool stride-read /mnt/big $wstep >/dev/null || die "stride-read $gib"
			umount /mnt
			;;
		esac
		echo "BENCH all $gib $mode $(($(now) - t0))"
		ram all
		echo "BENCH unbind $gib $mode all $(unbind)"
		bind >/dev/null
		[ $mode = head ] && ready
		ram bound
		unbind >/dev/null
	done
	ndctl create-namespace -f -e $ns -m raw >/dev/null 2>&1
	echo $ns >/sys/bus/nd/drivers/nd_pmem/unbind 2>/dev/null
done
echo BENCHDONE
