# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G
#
# A claim lives as long as its namespace device: `ndctl disable-region`
# deletes the namespaces and `enable-region` adds new ones, which the bus
# offers to the drivers in the order they registered, nd_pmem first here.
# dpmem claims a namespace with its info block as it is added, before any
# driver probes it, so it comes back as dpmemN, not as a raw /dev/pmemN
# (#18 item 1).
. ./lib.sh

ns=namespace0.0
modprobe nd_pmem
modprobe dpmem
check "ndctl disable-namespace (nd_pmem had it)" ndctl disable-namespace $ns
check "format for dpmem" dpmem_format $ns
head -c 1048576 /dev/urandom >/tmp/data
dd if=/tmp/data of=/dev/dpmem0 bs=1M seek=100 oflag=direct 2>/dev/null
want=$(sha256sum </tmp/data)

check "ndctl disable-region" ndctl disable-region region0
check_fails "... the disk is gone" test -b /dev/dpmem0
check "ndctl enable-region" ndctl enable-region region0
check_eq "... dpmem has the new namespace device, not nd_pmem" "$(ns_driver $ns)" dpmem
check_eq "... held by dpmem" "$(cat /sys/bus/nd/devices/$ns/holder)" dpmem
check_fails "... there is no raw /dev/pmem0" test -b /dev/pmem0
check_eq "data intact" \
	"$(dd if=/dev/dpmem0 bs=1M skip=100 count=1 iflag=direct 2>/dev/null | sha256sum)" "$want"

# The same with dpmem reloaded (it registers after nd_pmem again).
check "rmmod dpmem" rmmod dpmem
check "modprobe dpmem" modprobe dpmem
check_eq "... it binds the released namespace" "$(ns_driver $ns)" dpmem
check "ndctl disable-region" ndctl disable-region region0
check "ndctl enable-region" ndctl enable-region region0
check_eq "... dpmem again" "$(ns_driver $ns)" dpmem

# A namespace without dpmem's info block is not held as it is added.
check "give it back (-m raw)" ndctl create-namespace -f -e $ns -m raw
check "ndctl disable-region" ndctl disable-region region0
check "ndctl enable-region" ndctl enable-region region0
check_eq "... nd_pmem has the raw namespace" "$(ns_driver $ns)" nd_pmem
check_eq "... unheld" "$(cat /sys/bus/nd/devices/$ns/holder)" ""
check_fails "no WARN or BUG" klog_has "WARNING:|BUG:|Oops"
done_testing
