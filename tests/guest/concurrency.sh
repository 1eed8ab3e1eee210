# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G --nvdimm 1G --mem 1G
#
# Concurrency: fio with 4 jobs of mixed reads and writes, verified, on one
# dpmem namespace while another process unbinds and rebinds a second one
# 30 times; then 8 DAX writers at once on files of ext4 -o dax (sectioned
# placement, so their faults race to initialise sections), verified after
# an unmount and remount, for 5 rounds. Nothing may hang (guest-run's
# timeout), fail or corrupt.
. ./lib.sh

a=namespace0.0 b=namespace1.0
check "modprobe dpmem" modprobe dpmem
check "format $a" dpmem_format $a
check "format $b" dpmem_format $b
da=/dev/$(ls /sys/bus/nd/devices/$a/block) db=/dev/$(ls /sys/bus/nd/devices/$b/block)

# fio on a in the background; b unbinds and rebinds meanwhile (at least
# 30 times, and until fio is done).
fio --name=mixed --filename=$da --direct=1 --ioengine=psync --rw=randrw --bs=4k \
	--numjobs=4 --size=64m --offset_increment=64m --verify=crc32c --verify_fatal=1 \
	--do_verify=1 --group_reporting >/tmp/fio.out 2>&1 &
fio_pid=$!
i=0 during=0 fails=0
while [ $i -lt 30 ] || kill -0 $fio_pid 2>/dev/null; do
	kill -0 $fio_pid 2>/dev/null && during=$((during + 1))
	echo $b >/sys/bus/nd/drivers/dpmem/unbind || fails=$((fails + 1))
	echo $b >/sys/bus/nd/drivers/dpmem/bind || fails=$((fails + 1))
	[ -b $db ] || fails=$((fails + 1))
	# I/O on b while it may be going away next round.
	dd if=$db of=/dev/null bs=1M count=8 iflag=direct 2>/dev/null
	i=$((i + 1))
done
wait $fio_pid
rc=$?
[ $rc = 0 ] || tail -n 5 /tmp/fio.out
check_eq "fio: 4 jobs of verified random reads and writes on $da" "$rc" 0
check_eq "$i unbind/rebind cycles of $b, none failed" "$fails" 0
check "... $during of them while fio ran" test "$during" -ge 5
check_eq "$b bound at the end" "$(ns_driver $b)" dpmem

# DAX writers on a sectioned namespace (or the placement the run names:
# with ram, racing first faults on many 2 MiB units).
echo $a >/sys/bus/nd/drivers/dpmem/unbind
pl=$(placement_or sectioned)
check "format $a $pl" dpmem_format "$a $pl force"
check "mkfs.ext4" mkfs.ext4 -q -F -b 4096 $da
bad=0
for r in 1 2 3 4 5; do
	mount -o dax $da /mnt || { bad=$((bad + 1)); continue; }
	pids=
	for w in 1 2 3 4 5 6 7 8; do
		./daxtool mwrite /mnt/f$w $((24 << 20)) $((r * 100 + w)) &
		pids="$pids $!"
	done
	for p in $pids; do wait $p || bad=$((bad + 1)); done
	umount /mnt || bad=$((bad + 1))
	mount -o dax $da /mnt || { bad=$((bad + 1)); continue; }
	for w in 1 2 3 4 5 6 7 8; do
		./daxtool verify /mnt/f$w $((24 << 20)) $((r * 100 + w)) || bad=$((bad + 1))
	done
	umount /mnt || bad=$((bad + 1))
done
check_eq "5 rounds of 8 concurrent DAX writers, verified after remount" "$bad" 0
check_fails "no struct-page creation failed" klog_has "cannot create struct pages"
check_fails "no WARN or BUG" klog_has "WARNING:|BUG:|Oops|hung task"
done_testing
