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

# Sectioned placement: each 128 MiB section starts with its own chunk; the
# info block's section keeps its first 2 MiB, so data starts at 4 MiB and
# the capacity equals head's (124 + 7 * 126 MiB).
a=/sys/bus/nd/devices/$ns/dpmem
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check "format sectioned" dpmem_format $ns sectioned force
check_eq "sectioned: bound" "$(ns_driver $ns)" dpmem
check_eq "sectioned: placement" "$(cat $a/placement)" sectioned
check_eq "sectioned: data offset" "$(cat $a/data_offset)" $((4 << 20))
check_eq "sectioned: capacity" "$(cat /sys/block/dpmem0/size)" $(((124 + 7 * 126) << 11))
check_eq "sectioned: one chunk per section" "$(cat $a/chunks_total)" 8
check_eq "sectioned: descriptor bytes" "$(cat $a/descriptor_bytes)" $((16 << 20))
check_eq "sectioned: nothing initialised at bind" "$(cat $a/units_initialised)" ""
check "sectioned: bind logged" klog_has "dpmem $ns: bound: .* 8 descriptor chunks \(sectioned placement\)"
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
echo $ns >/sys/bus/nd/drivers/dpmem/bind
check_eq "sectioned: rebinds from its info block" "$(cat $a/placement)" sectioned

# Grouped placement on 1 GiB: one unit of the 8 sections, their 8 chunks
# after the info block, data from 18 MiB, the same capacity.
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check_refused "grouped over sectioned needs force" "File exists" $ns grouped
check_eq "grouped: the refusal kept sectioned" "$(echo $ns >/sys/bus/nd/drivers/dpmem/bind; cat $a/placement)" sectioned
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check "format grouped" dpmem_format $ns grouped force
check_eq "grouped: placement" "$(cat $a/placement)" grouped
check_eq "grouped: data offset" "$(cat $a/data_offset)" $((18 << 20))
check_eq "grouped: capacity" "$(cat /sys/block/dpmem0/size)" $(((124 + 7 * 126) << 11))
check_eq "grouped: one chunk per section" "$(cat $a/chunks_total)" 8
check_eq "grouped: nothing initialised at bind" "$(cat $a/units_initialised)" ""
check "grouped: bind logged" klog_has "dpmem $ns: bound: .* 8 descriptor chunks \(grouped placement\)"
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
echo $ns >/sys/bus/nd/drivers/dpmem/bind
check_eq "grouped: rebinds from its info block" "$(cat $a/placement)" grouped

# Module parameters: the placement a request without one gets.
p=/sys/module/dpmem/parameters
check_eq "default_placement is auto" "$(cat $p/default_placement)" auto
check_fails "default_placement refuses other values" sh -c "echo lazy >$p/default_placement"
check_eq "... and keeps its value" "$(cat $p/default_placement)" auto
echo sectioned >$p/default_placement
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check "format without placement" dpmem_format $ns force
check_eq "default_placement=sectioned applies" "$(cat $a/placement)" sectioned
for pl in ram none; do
	echo $pl >$p/default_placement
	echo $ns >/sys/bus/nd/drivers/dpmem/unbind
	check "format without placement ($pl)" dpmem_format $ns force
	check_eq "default_placement=$pl applies" "$(cat $a/placement)" $pl
done
echo grouped >$p/default_placement
check_eq "default_placement takes grouped" "$(cat $p/default_placement)" grouped
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check "format without placement (grouped)" dpmem_format $ns force
check_eq "default_placement=grouped applies" "$(cat $a/placement)" grouped
# auto: grouped where partial sections cost under 1 % (this aligned
# namespace; the head fallback is a host test of auto_placement).
echo auto >$p/default_placement
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check "auto: a named placement wins" dpmem_format $ns head force
check "... (head named: auto not used)" test "$(cat $a/placement)" = head
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check "format without placement (auto)" dpmem_format $ns force
check_eq "default_placement=auto picks grouped for an aligned 1 GiB" "$(cat $a/placement)" grouped
echo head >$p/default_placement
echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check "format without placement again" dpmem_format $ns force
check_eq "default_placement=head applies" "$(cat $a/placement)" head
echo auto >$p/default_placement
check_eq "teardown_threads default" "$(cat $p/teardown_threads)" 64
done_testing
