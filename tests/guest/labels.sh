# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G --labels
#
# Labelled namespaces (#18 item 3): the info block records the namespace's
# uuid and a namespace recreated at the same place and size, which has a
# new uuid, is refused instead of showing the previous tenant's data (as
# nd_pfn_validate() refuses a parent uuid mismatch). The old namespace is
# deleted the way that leaves its info block in place (size 0 through
# sysfs, as ndctl does when its zeroing step cannot bind the namespace).
# nd_pmem (fsdax) is checked the same way in the same guest.
. ./lib.sh

ndctl disable-region all >/dev/null
check "ndctl init-labels" ndctl init-labels all
ndctl enable-region all >/dev/null
check "create a labelled 512 MiB namespace" ndctl create-namespace -r region0 -s 512M -m raw
ns=$(namespace_of_size 536870912)
check "... it has a uuid" sh -c "! grep -q '^00000000-' /sys/bus/nd/devices/$ns/uuid"
uuid=$(cat /sys/bus/nd/devices/$ns/uuid)

modprobe dpmem
check "ndctl disable-namespace (nd_pmem had it)" ndctl disable-namespace $ns
check "format for dpmem" dpmem_format $ns
check_eq "dpmem bound it" "$(ns_driver $ns)" dpmem
check "uuid shown" sh -c "grep -q . /sys/bus/nd/devices/$ns/dpmem/uuid"
echo secret-of-the-old-tenant | dd of=/dev/dpmem0 bs=4096 conv=sync oflag=direct 2>/dev/null
check "rebind: the same namespace binds" sh -c \
	"echo $ns >/sys/bus/nd/drivers/dpmem/unbind && echo $ns >/sys/bus/nd/drivers/dpmem/bind"

# Delete it without touching its data, then create one at the same place.
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check "rmmod dpmem" rmmod dpmem
check "delete the namespace (size 0)" sh -c "echo 0 >/sys/bus/nd/devices/$ns/size"
check "create a new one at the same place and size" ndctl create-namespace -r region0 -s 512M -m raw
new=$(namespace_of_size 536870912)
check_fails "... with another uuid" test "$(cat /sys/bus/nd/devices/$new/uuid)" = "$uuid"
check_eq "... nd_pmem serves it raw" "$(ns_driver $new)" nd_pmem
check "modprobe dpmem" modprobe dpmem
check_eq "... dpmem does not hold it" "$(cat /sys/bus/nd/devices/$new/holder)" ""
check "ndctl disable-namespace" ndctl disable-namespace $new
check_fails "dpmem refuses the recreated namespace" sh -c "echo $new >/sys/bus/nd/drivers/dpmem/bind"
check "... and says why" klog_has "dpmem $new: namespace uuid is .*, the info block was written for"
check_fails "... no dpmem disk shows the old data" test -b /dev/dpmem0
check "ndctl enable-namespace gives it to nd_pmem" ndctl enable-namespace $new
check_eq "... raw" "$(ns_driver $new)" nd_pmem

# nd_pmem in the same guest: an fsdax namespace recreated in place keeps
# its pfn info block, which nd_pfn_validate() refuses for the new uuid, so
# nd_pmem serves the new namespace raw, not as the old fsdax device.
check "ndctl destroy-namespace" ndctl destroy-namespace -f $new
check "create a labelled fsdax namespace" ndctl create-namespace -r region0 -s 512M -m fsdax -M dev
fs=$(namespace_of_size 536870912)
check_eq "... fsdax (sysfs calls it memory)" "$(cat /sys/bus/nd/devices/$fs/mode)" memory
pfn=$(cat /sys/bus/nd/devices/$fs/holder)
check "... held by a pfn device" sh -c "echo $pfn | grep -q '^pfn'"
echo $pfn >/sys/bus/nd/drivers/nd_pmem/unbind
check "detach the pfn device (its info block stays)" sh -c "echo >/sys/bus/nd/devices/$pfn/namespace"
check "delete the namespace (size 0)" sh -c "echo 0 >/sys/bus/nd/devices/$fs/size"
check "create a new raw one at the same place and size" ndctl create-namespace -r region0 -s 512M -m raw
new2=$(namespace_of_size 536870912)
check_eq "... nd_pmem serves it raw, not as the old fsdax device" "$(cat /sys/bus/nd/devices/$new2/mode)" raw
blk=/dev/$(ls /sys/bus/nd/devices/$new2/block)
check "... whose pfn info block is still there" sh -c \
	"dd if=$blk bs=4096 skip=1 count=1 2>/dev/null | head -c 15 | grep -q NVDIMM_PFN_INFO"
check_fails "no WARN or BUG so far" klog_has "WARNING:|BUG:|Oops"

# A refused namespace must not count as bound (#18 item 7): libnvdimm's
# nvdimm_bus_probe() treats -EOPNOTSUPP from probe like success and creates
# the region's next seed namespace. The seed is configured through sysfs
# (as ndctl create-namespace does) over a dpmem info block from a newer
# major version, then offered to dpmem.
check "ndctl destroy-namespace all" ndctl destroy-namespace -f all
check "create a labelled 256 MiB namespace" ndctl create-namespace -r region0 -s 256M -m raw
old=$(namespace_of_size 268435456)
check "ndctl disable-namespace" ndctl disable-namespace $old
check "format it for dpmem" dpmem_format $old
# Hand it back to nd_pmem raw the way ndctl does (force_raw), to reach the
# info block.
echo $old >/sys/bus/nd/drivers/dpmem/unbind
echo 1 >/sys/bus/nd/devices/$old/force_raw
echo $old >/sys/bus/nd/drivers/dpmem/bind 2>/dev/null
check "nd_pmem serves it raw" sh -c "echo $old >/sys/bus/nd/drivers/nd_pmem/bind"
echo 0 >/sys/bus/nd/devices/$old/force_raw
check "make its info block major version 2" \
	./daxtool ib-set /dev/$(ls /sys/bus/nd/devices/$old/block) 0x10 2 2
echo $old >/sys/bus/nd/drivers/nd_pmem/unbind
check "delete it (size 0), the block stays" sh -c "echo 0 >/sys/bus/nd/devices/$old/size"
seed=$(cat /sys/bus/nd/devices/region0/namespace_seed)
check "configure the seed $seed at the same place" sh -c \
	"cat /proc/sys/kernel/random/uuid >/sys/bus/nd/devices/$seed/uuid &&
	 echo 268435456 >/sys/bus/nd/devices/$seed/size"
dmesg -c >/dev/null
err=$( (echo $seed >/sys/bus/nd/drivers/dpmem/bind) 2>&1)
check_fails "dpmem refuses the newer info block" test -z "$err"
check "... and says why" klog_has "dpmem $seed: info block version 2\.[0-9]+ is not supported"
check_fails "... with an errno that means refused (not EOPNOTSUPP)" \
	sh -c "echo '$err' | grep -q 'not supported'"
check_eq "... and the region's seed did not advance" \
	"$(cat /sys/bus/nd/devices/region0/namespace_seed)" "$seed"
check_fails "no WARN or BUG" klog_has "WARNING:|BUG:|Oops"
done_testing
