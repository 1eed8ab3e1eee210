# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G
#
# The other load order (#18 item 1): a namespace formatted for dpmem that
# nd_pmem took as a raw disk because it loaded first, as it may at boot.
# Loading dpmem then holds the namespace (without taking it from nd_pmem,
# whose disk may be in use) and says in the log how to hand it over; the
# ndctl disable/enable the message names gives it to dpmem with its data.
. ./lib.sh

ns=namespace0.0
nsdir=/sys/bus/nd/devices/$ns
modprobe dpmem
check "format for dpmem" dpmem_format $ns
head -c 1048576 /dev/urandom >/tmp/data
dd if=/tmp/data of=/dev/dpmem0 bs=1M seek=100 oflag=direct 2>/dev/null
want=$(sha256sum </tmp/data)
check "rmmod dpmem (as after a reboot: no driver, no claim)" rmmod dpmem
check_eq "... nobody holds it" "$(cat $nsdir/holder)" ""

check "modprobe nd_pmem first" modprobe nd_pmem
check_eq "... nd_pmem took it as a raw disk" "$(ns_driver $ns)" nd_pmem
check "... /dev/pmem0 exists" test -b /dev/pmem0

check "modprobe dpmem" modprobe dpmem
check_eq "... nd_pmem keeps serving it" "$(ns_driver $ns)" nd_pmem
check_eq "... dpmem holds it" "$(cat $nsdir/holder)" dpmem
check "... and says how to hand it over" \
	klog_has "dpmem $ns: holds a dpmem info block but nd_pmem serves it as a raw disk"

check "ndctl disable-namespace" ndctl disable-namespace $ns
check "ndctl enable-namespace" ndctl enable-namespace $ns
check_eq "... dpmem has it" "$(ns_driver $ns)" dpmem
check_eq "data intact" \
	"$(dd if=/dev/dpmem0 bs=1M skip=100 count=1 iflag=direct 2>/dev/null | sha256sum)" "$want"

# A damaged dpmem info block (nd_pmem first again) is still dpmem's: held,
# so its data is not handed out raw once nd_pmem lets go of it.
check "rmmod dpmem" rmmod dpmem
check "nd_pmem binds it raw" sh -c "echo $ns >/sys/bus/nd/drivers/nd_pmem/bind"
dd if=/dev/pmem0 of=/tmp/blk bs=4096 skip=1 count=1 2>/dev/null
printf '\377' | dd of=/tmp/blk bs=1 seek=256 conv=notrunc 2>/dev/null
dd if=/tmp/blk of=/dev/pmem0 bs=4096 seek=1 conv=fsync 2>/dev/null
check "modprobe dpmem" modprobe dpmem
check_eq "... a damaged dpmem block is held too" "$(cat $nsdir/holder)" dpmem
check "ndctl disable-namespace" ndctl disable-namespace $ns
check_fails "dpmem refuses the damaged block" sh -c "echo $ns >/sys/bus/nd/drivers/dpmem/bind"
check_fails "... and nd_pmem cannot take it" sh -c "echo $ns >/sys/bus/nd/drivers/nd_pmem/bind"
check_eq "... still held" "$(cat $nsdir/holder)" dpmem

# A raw namespace without a dpmem info block stays nd_pmem's, unheld.
check "ndctl create-namespace -m raw gives it back" ndctl create-namespace -f -e $ns -m raw
check_eq "... nd_pmem has it" "$(ns_driver $ns)" nd_pmem
check "rmmod dpmem" rmmod dpmem
check "modprobe dpmem" modprobe dpmem
check_eq "... a raw namespace without dpmem's block is not held" "$(cat $nsdir/holder)" ""
check_fails "no WARN or BUG" klog_has "WARNING:|BUG:|Oops"
done_testing
