# SPDX-License-Identifier: GPL-2.0
# guest-args: --nvdimm 1G --nvdimm 2G
#
# Two namespaces at once: each gets its own binding and disk name.
. ./lib.sh

check "modprobe dpmem" modprobe dpmem
small=$(namespace_of_size $((1 << 30)))
big=$(namespace_of_size $((2 << 30)))
check "found both namespaces" test -n "$small" -a -n "$big" -a "$small" != "$big"
check "format the 1 GiB namespace" dpmem_format "$small"
check "format the 2 GiB namespace" dpmem_format "$big"
check_eq "dpmem binds the 1 GiB namespace" "$(ns_driver "$small")" dpmem
check_eq "dpmem binds the 2 GiB namespace" "$(ns_driver "$big")" dpmem
check "1 GiB binding logged" klog_has "dpmem $small: bound: .*, 1024 MiB, disk dpmem.*data 1006 MiB at offset 18 MiB"
check "2 GiB binding logged" klog_has "dpmem $big: bound: .*, 2048 MiB, disk dpmem.*data 2014 MiB at offset 34 MiB"
check "rmmod dpmem" rmmod dpmem
check_eq "1 GiB namespace released" "$(ns_driver "$small")" ""
check_eq "2 GiB namespace released" "$(ns_driver "$big")" ""
check "modprobe binds both again" modprobe dpmem
check_eq "1 GiB bound after reload" "$(ns_driver "$small")" dpmem
check_eq "2 GiB bound after reload" "$(ns_driver "$big")" dpmem
done_testing
