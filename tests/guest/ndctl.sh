# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G
#
# The ndctl workflow of Documentation/admin-guide/dpmem.rst: nd_pmem loaded
# first (as at boot), a namespace taken from it, formatted for dpmem, seen
# by `ndctl list`, disabled and enabled again by ndctl with its data kept,
# then given back to nd_pmem as fsdax (which overwrites the dpmem info
# block), after which dpmem refuses it.
. ./lib.sh

ns=namespace0.0
modprobe nd_pmem
modprobe dpmem
check_eq "nd_pmem holds the raw namespace at first" "$(ns_driver $ns)" nd_pmem

check "ndctl disable-namespace takes it from nd_pmem" ndctl disable-namespace $ns
check_eq "... unbound" "$(ns_driver $ns)" ""
check "format for dpmem" dpmem_format $ns
check_eq "dpmem bound it" "$(ns_driver $ns)" dpmem
list=$(ndctl list -N -n $ns)
check "ndctl list shows blockdev dpmem0" sh -c "echo '$list' | grep -q '\"blockdev\":\"dpmem0\"'"
check "ndctl list shows the namespace size" sh -c "echo '$list' | grep -q '\"size\":1073741824'"

head -c 1048576 /dev/urandom >/tmp/data
dd if=/tmp/data of=/dev/dpmem0 bs=1M seek=100 oflag=direct 2>/dev/null
want=$(sha256sum </tmp/data)

check "ndctl disable-namespace unbinds dpmem" ndctl disable-namespace $ns
check_eq "... unbound" "$(ns_driver $ns)" ""
check_fails "... /dev/dpmem0 is gone" test -b /dev/dpmem0
check "ndctl enable-namespace" ndctl enable-namespace $ns
check_eq "... binds dpmem again (nd_pmem loaded first)" "$(ns_driver $ns)" dpmem
check_eq "data intact after disable/enable" \
	"$(dd if=/dev/dpmem0 bs=1M skip=100 count=1 iflag=direct 2>/dev/null | sha256sum)" "$want"

# Give it back: fsdax writes nd_pmem's pfn info block over ours.
check "ndctl create-namespace -m fsdax gives it back" ndctl create-namespace -f -e $ns -m fsdax
check "... nd_pmem serves it as pmem0" test -b /dev/pmem0
# The nd bus offers dpmem the pfn device too: declined without an error.
check_fails "dpmem logs no error or warning about pfn devices" \
	sh -c "dmesg -r | grep -qE '^<[34]>.*dpmem pfn'"
check_fails "... dpmem no longer has it" test -b /dev/dpmem0
check "ndctl create-namespace -m raw" ndctl create-namespace -f -e $ns -m raw
echo $ns >/sys/bus/nd/drivers/nd_pmem/unbind 2>/dev/null
check_fails "dpmem refuses the namespace" sh -c "echo $ns >/sys/bus/nd/drivers/dpmem/bind"
check "... and says why" klog_has "dpmem $ns: (no dpmem info block|holds .*, not dpmem)"
check_fails "no WARN or BUG" klog_has "WARNING:|BUG:|Oops"
done_testing
