# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G
#
# Formatting is explicit and refuses to destroy what it did not create.
. ./lib.sh

ns=namespace0.0
head_sum() { dd if=/dev/pmem0 bs=4096 count=2 2>/dev/null | sha256sum; }

check "modprobe nd_pmem" modprobe nd_pmem
check "mkfs.ext4 on the raw namespace" mkfs.ext4 -q -F /dev/pmem0
before=$(head_sum)
echo $ns >/sys/bus/nd/drivers/nd_pmem/unbind
check "modprobe dpmem" modprobe dpmem
check_eq "dpmem does not bind an ext4 namespace" "$(ns_driver $ns)" ""
check_refused "format refused on ext4" "File exists" $ns
check "refusal names the filesystem" klog_has "dpmem $ns: format refused: namespace holds an ext2/3/4 filesystem"
echo $ns >/sys/bus/nd/drivers/nd_pmem/bind
check_eq "ext4 head untouched after refusal" "$(head_sum)" "$before"
check "ext4 still valid" e2fsck -n /dev/pmem0
echo $ns >/sys/bus/nd/drivers/nd_pmem/unbind

check_refused "empty request" "Invalid argument" ""
check_refused "not a namespace name" "Invalid argument" pmem0
check_refused "unknown option" "Invalid argument" $ns lazy
check_refused "two placements" "Invalid argument" $ns head sectioned
check_refused "missing namespace" "No such device" namespace7.0
check_refused "sectioned not supported yet" "Operation not supported" $ns sectioned force
check_eq "nothing bound after refusals" "$(ns_driver $ns)" ""

check "force overwrites" dpmem_format $ns force
check "forced overwrite is logged" klog_has "dpmem $ns: format: overwriting an ext2/3/4 filesystem \(forced\)"
check_eq "forced format binds" "$(ns_driver $ns)" dpmem
check_refused "format while bound" "Device or resource busy" $ns
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check_refused "reformat needs force" "File exists" $ns
check "refusal names the dpmem block" klog_has "format refused: namespace holds a dpmem info block"
check "reformat with force" dpmem_format $ns head force
check_eq "bound again" "$(ns_driver $ns)" dpmem
done_testing
