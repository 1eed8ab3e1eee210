# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G --nvdimm 2G
#
# Two namespaces at once: each gets its own binding, disk name and data.
# On the run's placement (tests/run-guest-tests --placement), default auto.
. ./lib.sh

# data MiB and offset MiB of the 1 and 2 GiB namespaces, per placement
# (format.sh checks each layout in detail)
case $(placement_or auto) in
auto | grouped | head) s_data=1006 s_off=18 b_data=2014 b_off=34 ;;
sectioned) s_data=1006 s_off=4 b_data=2014 b_off=4 ;;
ram | none) s_data=1022 s_off=2 b_data=2046 b_off=2 ;;
*) check "a placement this suite knows" false ;;
esac

check "modprobe dpmem" modprobe dpmem
small=$(namespace_of_size $((1 << 30)))
big=$(namespace_of_size $((2 << 30)))
check "found both namespaces" test -n "$small" -a -n "$big" -a "$small" != "$big"
check "format the 1 GiB namespace" dpmem_format "$small"
check "format the 2 GiB namespace" dpmem_format "$big"
check_eq "dpmem binds the 1 GiB namespace" "$(ns_driver "$small")" dpmem
check_eq "dpmem binds the 2 GiB namespace" "$(ns_driver "$big")" dpmem
check "1 GiB binding logged" klog_has "dpmem $small: bound: .*, 1024 MiB, disk dpmem.*data $s_data MiB at offset $s_off MiB"
check "2 GiB binding logged" klog_has "dpmem $big: bound: .*, 2048 MiB, disk dpmem.*data $b_data MiB at offset $b_off MiB"
sdisk=$(ls "/sys/bus/nd/devices/$small/block/")
bdisk=$(ls "/sys/bus/nd/devices/$big/block/")
disk_for() { # namespaceR.0 -> dpmemR, namespaceR.N -> dpmemR.N
	_r=${1#namespace}
	case $_r in *.0) echo "dpmem${_r%.0}" ;; *) echo "dpmem$_r" ;; esac
}
check_eq "1 GiB disk named after its namespace" "$sdisk" "$(disk_for "$small")"
check_eq "2 GiB disk named after its namespace" "$bdisk" "$(disk_for "$big")"
check_eq "1 GiB disk capacity" "$(blockdev --getsize64 /dev/$sdisk)" $((s_data << 20))
check_eq "2 GiB disk capacity" "$(blockdev --getsize64 /dev/$bdisk)" $((b_data << 20))
job="--direct=1 --ioengine=psync --bs=64k --rw=write --size=64m --verify=crc32c --verify_fatal=1"
check "fio on both disks at once" fio --name=s --filename=/dev/$sdisk $job --name=b --filename=/dev/$bdisk $job --offset=1g
check "each disk kept its own data" fio --name=s --filename=/dev/$sdisk $job --verify_only --name=b --filename=/dev/$bdisk $job --offset=1g --verify_only
check "rmmod dpmem" rmmod dpmem
check_eq "1 GiB namespace released" "$(ns_driver "$small")" ""
check_eq "2 GiB namespace released" "$(ns_driver "$big")" ""
check "modprobe binds both again" modprobe dpmem
check_eq "1 GiB bound after reload" "$(ns_driver "$small")" dpmem
check_eq "2 GiB bound after reload" "$(ns_driver "$big")" dpmem
done_testing
