# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G
#
# dpmem binds only formatted namespaces, releases them on unbind and rmmod,
# and takes one over from nd_pmem through sysfs unbind/bind.
. ./lib.sh

ns=namespace0.0
check "modprobe dpmem" modprobe dpmem
check_eq "an unformatted namespace is left alone" "$(ns_driver $ns)" ""
check "and the log says how to format it" klog_has "dpmem $ns: no dpmem info block, not binding"
check "format (head)" dpmem_format "$ns head"
check_eq "format binds" "$(ns_driver $ns)" dpmem
check "bind logs geometry" \
	klog_has "dpmem $ns: bound: resource 0x[0-9a-f]+-0x[0-9a-f]+, 1024 MiB, disk dpmem0: data 1006 MiB at offset 18 MiB, 8 descriptor chunks \(head placement\), overhead 1.7578 %"

echo $ns >/sys/bus/nd/drivers/dpmem/unbind
check_eq "unbind leaves $ns free" "$(ns_driver $ns)" ""
check "unbind logs release" klog_has "dpmem $ns: released dpmem0"
echo $ns >/sys/bus/nd/drivers/dpmem/bind
check_eq "sysfs bind rebinds (info block read back)" "$(ns_driver $ns)" dpmem

check "rmmod dpmem" rmmod dpmem
check_eq "rmmod leaves $ns free" "$(ns_driver $ns)" ""
check_fails "dpmem gone after rmmod" grep -q '^dpmem ' /proc/modules
check "modprobe dpmem binds the formatted namespace" modprobe dpmem
check_eq "bound after reload" "$(ns_driver $ns)" dpmem
check "rmmod dpmem" rmmod dpmem

# Hand the namespace to nd_pmem, then take it back the documented way.
check "modprobe nd_pmem" modprobe nd_pmem
check_eq "nd_pmem binds the free namespace" "$(ns_driver $ns)" nd_pmem
check "modprobe dpmem while nd_pmem holds it" modprobe dpmem
check_eq "dpmem does not steal a bound namespace" "$(ns_driver $ns)" nd_pmem
check_refused "format refused while nd_pmem holds it" "Device or resource busy" $ns
check "and says who holds it" klog_has "dpmem $ns: format refused: namespace is bound to nd_pmem"
echo $ns >/sys/bus/nd/drivers/nd_pmem/unbind
echo $ns >/sys/bus/nd/drivers/dpmem/bind
check_eq "unbind nd_pmem + bind dpmem" "$(ns_driver $ns)" dpmem
check "rmmod dpmem again" rmmod dpmem
check_eq "namespace free after second rmmod" "$(ns_driver $ns)" ""
done_testing
