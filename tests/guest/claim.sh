# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G
#
# No other nd driver ever gets a namespace formatted for dpmem (#18 item 1).
# dpmem holds libnvdimm's claim on it (ndns->claim, shown as the namespace's
# `holder`), which nvdimm_namespace_common_probe() honours: nd_pmem refuses
# it even while dpmem is unbound. Load order as in the issue: only dpmem
# loaded, so `ndctl enable-namespace` loads nd_pmem by modalias, whose
# registration probes every unbound namespace. Then the claim gives way
# where the administrator asks for it: ndctl's fsdax give-back (force_raw),
# and rmmod dpmem.
. ./lib.sh

ns=namespace0.0
nsdir=/sys/bus/nd/devices/$ns
modprobe dpmem
check_fails "nd_pmem is not loaded" grep -q '^nd_pmem ' /proc/modules
check "format for dpmem" dpmem_format $ns
check_eq "dpmem bound it" "$(ns_driver $ns)" dpmem
check_eq "its holder is dpmem" "$(cat $nsdir/holder)" dpmem

head -c 1048576 /dev/urandom >/tmp/data
dd if=/tmp/data of=/dev/dpmem0 bs=1M seek=100 oflag=direct 2>/dev/null
want=$(sha256sum </tmp/data)

check "ndctl disable-namespace" ndctl disable-namespace $ns
check_eq "... unbound" "$(ns_driver $ns)" ""
check_eq "... still held by dpmem" "$(cat $nsdir/holder)" dpmem
check "ndctl enable-namespace (loads nd_pmem)" ndctl enable-namespace $ns
check "... nd_pmem is loaded now" grep -q '^nd_pmem ' /proc/modules
check_eq "... dpmem has it, not nd_pmem" "$(ns_driver $ns)" dpmem
check_fails "... there is no raw /dev/pmem0" test -b /dev/pmem0
check_eq "data intact" \
	"$(dd if=/dev/dpmem0 bs=1M skip=100 count=1 iflag=direct 2>/dev/null | sha256sum)" "$want"

# Unbound, the namespace is offered to nd_pmem directly: refused.
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check_fails "nd_pmem's bind refuses it" sh -c "echo $ns >/sys/bus/nd/drivers/nd_pmem/bind"
check_eq "... still unbound" "$(ns_driver $ns)" ""
check "dpmem's bind takes it" sh -c "echo $ns >/sys/bus/nd/drivers/dpmem/bind"
check_eq "data intact after rebind" \
	"$(dd if=/dev/dpmem0 bs=1M skip=100 count=1 iflag=direct 2>/dev/null | sha256sum)" "$want"
check "reformat (forced) while held by dpmem" sh -c \
	"echo $ns >/sys/bus/nd/drivers/dpmem/unbind && echo '$ns sectioned force' >/sys/bus/nd/drivers/dpmem/format"
check_eq "... bound again" "$(ns_driver $ns)" dpmem

# rmmod lets go of the claim: nothing of dpmem's is left pointing at the
# namespace.
check "rmmod dpmem" rmmod dpmem
check_eq "no holder after rmmod" "$(cat $nsdir/holder)" ""
check "modprobe dpmem binds it again" modprobe dpmem
check_eq "... dpmem has it" "$(ns_driver $ns)" dpmem
check_eq "... held again" "$(cat $nsdir/holder)" dpmem

# Give it back as the admin guide says: ndctl zeroes the info block through
# a force_raw enable (dpmem lets go of a force_raw namespace), then nd_pmem
# writes its pfn info block.
check "ndctl create-namespace -m fsdax gives it back" ndctl create-namespace -f -e $ns -m fsdax
check "... nd_pmem serves it as pmem0" test -b /dev/pmem0
check_fails "... dpmem no longer has it" test -b /dev/dpmem0
check_fails "no WARN or BUG" klog_has "WARNING:|BUG:|Oops"
done_testing
