# SPDX-License-Identifier: GPL-2.0
# Guest half of scripts/bench (busybox sh): the same I/O and DAX workloads
# on nd_pmem (fsdax map=dev) and dpmem (head), one nvdimm each, ROUNDS
# times; rounds alternate which driver runs first and which nvdimm each
# driver gets.
# Prints "BENCH ROUND DEV ROW JSON" for fio runs (DEV is c or dpmem) and
# "BENCHV ROUND DEV ROW VALUE" for daxtool figures.
. ./lib.sh
rounds=${1:-5}
rt=${2:-3}

modprobe nd_pmem
modprobe dpmem

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
	dpmem_format "$2 force" >/dev/null || { echo "cannot format $2 for dpmem"; exit 1; }
	dev_c=$(blockdev_of $1) dev_dpmem=$(blockdev_of $2)
	[ -b "$dev_c" ] && [ -b "$dev_dpmem" ] || { echo "no block device for $1 or $2"; ndctl list -N; exit 1; }
	echo "BENCHINFO c $1 $dev_c $(blockdev --getsize64 $dev_c) dpmem $2 $dev_dpmem $(blockdev --getsize64 $dev_dpmem)"
	# The head worker must be done before anything is measured.
	_i=0
	while [ "$(cat /sys/bus/nd/devices/$2/dpmem/units_initialised)" != 0 ]; do
		_i=$((_i + 1)); [ $_i -gt 600 ] && { echo "dpmem struct pages never became ready"; exit 1; }
		sleep 0.1
	done
	# Warm up: the first touch of an nvdimm page faults on the host
	# (sparse backing file) and costs milliseconds.
	for _d in $dev_c $dev_dpmem; do
		dd if=/dev/zero of=$_d bs=1M count=1024 oflag=direct 2>/dev/null || { echo "warm-up write of $_d failed"; exit 1; }
		dd if=$_d of=/dev/null bs=1M count=1024 iflag=direct 2>/dev/null
	done
}

fio_row() { # fio_row ROUND DEV ROW FIO-ARGS...
	_r=$1 _d=$2 _row=$3
	shift 3
	fio --name=bench --group_reporting --time_based --runtime=$rt --ramp_time=1 \
		--output-format=json --output=/tmp/fio.json "$@" >/dev/null 2>/tmp/fio.err ||
		{ echo "fio failed on $_d $_row: $(cat /tmp/fio.err)"; exit 1; }
	echo "BENCH $_r $_d $_row $(tr -d '\n\t' </tmp/fio.json)"
}

block_rows() { # block_rows ROUND DEV DEVICE
	b="--filename=$3 --direct=1 --size=1g"
	fio_row $1 $2 randread-4k-pvsync2-1j $b --rw=randread --bs=4k --ioengine=pvsync2 --numjobs=1
	fio_row $1 $2 randwrite-4k-pvsync2-1j $b --rw=randwrite --bs=4k --ioengine=pvsync2 --numjobs=1
	fio_row $1 $2 randread-4k-pvsync2-2j $b --rw=randread --bs=4k --ioengine=pvsync2 --numjobs=2
	fio_row $1 $2 randwrite-4k-pvsync2-2j $b --rw=randwrite --bs=4k --ioengine=pvsync2 --numjobs=2
	fio_row $1 $2 randread-4k-psync-1j $b --rw=randread --bs=4k --ioengine=psync --numjobs=1
	fio_row $1 $2 randwrite-4k-psync-1j $b --rw=randwrite --bs=4k --ioengine=psync --numjobs=1
	fio_row $1 $2 read-128k-pvsync2 $b --rw=read --bs=128k --ioengine=pvsync2 --numjobs=1
	fio_row $1 $2 write-128k-pvsync2 $b --rw=write --bs=128k --ioengine=pvsync2 --numjobs=1
}

dax_rows() { # dax_rows ROUND DEV MOUNTPOINT
	f="--filename=$3/fio.dat --size=512m --ioengine=mmap"
	fio_row $1 $2 dax-mmap-randread-4k $f --rw=randread --bs=4k
	fio_row $1 $2 dax-mmap-randwrite-4k $f --rw=randwrite --bs=4k
	fio_row $1 $2 dax-mmap-read-2m $f --rw=read --bs=2m
	fio_row $1 $2 dax-mmap-write-2m $f --rw=write --bs=2m
	for kind in huge small; do
		v=$(./daxtool faults $3/fresh $((256 << 20)) $kind) || { echo "daxtool faults failed on $2"; exit 1; }
		rm -f $3/fresh
		echo "BENCHV $1 $2 dax-first-touch-$kind $v"
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
	echo "BENCHV $r ceiling memcpy $(./daxtool memcpy 128 2)"
	for d in $order; do
		eval dev=\$dev_$d
		block_rows $r $d $dev
	done
	# DAX: a fresh ext4 -o dax on each device per round.
	for d in $order; do
		eval dev=\$dev_$d
		mkdir -p /mnt/$d
		mkfs.ext4 -q -F -b 4096 $dev && mount -o dax $dev /mnt/$d || { echo "mkfs/mount -o dax failed on $dev"; exit 1; }
		# fio lays the file out once (not measured) before the rows.
		fio --name=layout --filename=/mnt/$d/fio.dat --size=512m --rw=write --bs=2m >/dev/null 2>&1
	done
	for d in $order; do
		dax_rows $r $d /mnt/$d
	done
	for d in $order; do umount /mnt/$d; done
done
echo "BENCHDONE"
