# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 512M --nvdimm 640M
#
# PMDK on a DAX file (#19 item 5), on dpmem and on nd_pmem fsdax in the
# same guest, ext4 -o dax: pmempool creates an obj pool, libpmemobj
# transactions update it and survive closing and reopening, pmempool
# check finds it consistent; libpmem and libpmem2 see real pmem (is_pmem,
# MAP_SYNC store granularity) and find the device through ndctl; libpmem2
# reports poison that a machine check put in the pool: at its file offset
# on nd_pmem, and data_offset bytes further on dpmem, whose data does not
# start at the namespace's first byte (ndctl does not know that).
# fio's libpmem engine writes and verifies a file (#19 item 6).
. ./lib.sh

MIB=1048576
a=$(namespace_of_size $((512 * MIB)))
b=$(namespace_of_size $((640 * MIB)))
check "two namespaces" test -n "$a" -a -n "$b"
check "modprobe dpmem" modprobe dpmem
check "dpmem on $a" dpmem_format "$a"
check "modprobe nd_pmem" modprobe nd_pmem
check "nd_pmem fsdax on $b" ndctl create-namespace -f -e "$b" -m fsdax -M dev
ad=$(blockdev_of "$a")
bd=$(blockdev_of "$b")
a_data=$(disk_phys "$a")
b_data=$(disk_phys "$b")

for pair in "$ad $a_data" "$bd $b_data"; do
	set -- $pair
	d=$1 base=$2
	check "$d: mkfs.ext4 and mount -o dax" sh -c "mkfs.ext4 -q -F -b 4096 /dev/$d && mount -o dax /dev/$d /mnt" || continue
	touch /mnt/probe
	check "$d: files are DAX" ./daxtool statx /mnt/probe || { umount /mnt; continue; }
	check "$d: pmempool create obj" pmempool create obj --layout=dpmem --size=32M /mnt/pool
	check_eq "$d: 1000 transactions" "$(./pmdktool tx /mnt/pool 1000 2>&1)" 1000
	check_eq "$d: 500 more after reopening" "$(./pmdktool tx /mnt/pool 500 2>&1)" 1500
	check "$d: pmempool check: consistent" sh -c "pmempool check -v /mnt/pool | grep -qx '/mnt/pool: consistent'"
	out=$(./pmdktool ispmem /mnt/pool 2>&1)
	eval "ispmem_$d=\$out"
	check "$d: libpmem2 finds the device ($(./pmdktool device /mnt/pool 2>&1 | tr -cd '[:print:]'))" \
		./pmdktool device /mnt/pool
	check "$d: fio's libpmem engine, verified" fio --name=lp --ioengine=libpmem \
		--filename=/mnt/fio --size=16M --bs=64k --rw=randwrite --direct=1 --sync=1 \
		--verify=crc32c --do_verify=1 --output=/tmp/fio.out
	# Poison in the pool: a machine check 1 MiB into the file.
	off=$(./daxtool phys /mnt/pool $MIB)
	check "$d: no bad blocks in the pool yet" test -z "$(./pmdktool badblocks /mnt/pool 2>&1)"
	check "$d: machine check 1 MiB into the pool" inject_mce $((base + off))
	i=0
	while [ -z "$(cat /sys/block/$d/badblocks)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	out=$(./pmdktool badblocks /mnt/pool 2>&1)
	eval "bb_$d=\$out"
	umount /mnt
done
check_eq "libpmem/libpmem2 see pmem as on nd_pmem ($(eval echo \$ispmem_$bd))" \
	"$(eval echo \$ispmem_$ad)" "$(eval echo \$ispmem_$bd)"
check_eq "... real pmem with MAP_SYNC" "$(eval echo \$ispmem_$bd)" "is_pmem 1 granularity cacheline"
check_eq "nd_pmem: libpmem2 reports the poison at file offset 1 MiB" "$(eval echo \$bb_$bd)" "$MIB 4096"
# For an fsdax namespace libpmem2 reads the disk's own list; a dpmem
# namespace is raw to ndctl, so it takes the region's list relative to the
# namespace's first byte, as if the disk started there: data_offset bytes
# off (here, where the pool's blocks are contiguous, that much too high).
# The admin guide tells PMDK users; the disk's own list is right (mce.sh).
shift=$(cat /sys/bus/nd/devices/$a/dpmem/data_offset)
check_eq "dpmem: libpmem2 reports it data_offset ($shift) bytes too far" "$(eval echo \$bb_$ad)" "$((MIB + shift)) 4096"
check_no_kernel_warnings "no WARN or BUG"
done_testing
