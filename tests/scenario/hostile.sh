#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile media: crafted info blocks, each with a valid checksum unless the
# case is about the checksum (huge sizes, offsets past the end or over the
# info block, zero sizes, unknown placement, absurd constants, other
# versions and flags), put on the medium one after the other; binding dpmem
# must fail with the reason in the log and an errno that libnvdimm takes
# as a refusal, write nothing (the first 32 MiB of
# the namespace hash the same before and after) and raise no WARN or oops.
# The host crafts the blocks from the one a real format wrote; the guest
# puts each on the medium through nd_pmem in raw mode and tries dpmem.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/scenario/lib.bash"
truncate -s 1G "$img"

boot 1G "modprobe dpmem && dpmem_format 'namespace0.0 head'"
check_eq "format on a FILE-backed nvdimm" "$?" 0
mkdir -p "$tmp/cases"
# CASE FIELD-OFFSET SIZE VALUE EXPECTED-LOG (ERE); VALUE "keep" = only the
# checksum is broken.
python3 - "$img" "$tmp/cases" <<'PY'
import struct, sys
img, out = sys.argv[1], sys.argv[2]
with open(img, "rb") as f:
    f.seek(4096)
    good = f.read(4096)
def seal(b):
    struct.pack_into("<Q", b, 4088, 0)
    lo = hi = 0
    for (w,) in struct.iter_unpack("<I", bytes(b)):
        lo = (lo + w) & 0xffffffff
        hi = (hi + lo) & 0xffffffffffffffff
    struct.pack_into("<Q", b, 4088, ((hi << 32) | lo) & 0xffffffffffffffff)
U64 = (1 << 64) - 1
cases = [
    # name, [(offset, size, value)], reseal, expected log
    ("huge-namespace-size", [(0x38, 8, 1 << 63)], True, "namespace was resized"),
    ("zero-namespace-size", [(0x38, 8, 0)], True, "namespace was resized"),
    ("moved-start", [(0x40, 8, 0)], True, "namespace moved"),
    ("data-offset-past-end", [(0x48, 8, 2 << 30)], True, "info block data offset is"),
    ("data-offset-over-info", [(0x48, 8, 4096)], True, "info block data offset is"),
    ("data-offset-unaligned", [(0x48, 8, 18 * 2**20 + 1)], True, "info block data offset is"),
    ("zero-data-size", [(0x50, 8, 0)], True, "info block data size is"),
    ("huge-data-size", [(0x50, 8, U64)], True, "info block data size is"),
    ("descriptors-over-info", [(0x58, 8, 0)], True, "info block descriptor offset is"),
    ("descriptors-overlap-data", [(0x60, 8, 1 << 30)], True, "info block descriptor area size is"),
    ("zero-page-size", [(0x68, 4, 0)], True, "info block page size is 0"),
    ("descriptor-size-1", [(0x6c, 4, 1)], True, "info block descriptor size is 1"),
    ("zero-chunk-size", [(0x70, 4, 0)], True, "info block chunk size is 0"),
    ("placement-7", [(0x74, 4, 7)], True, "info block placement 7 is unknown"),
    ("placement-sectioned-on-head", [(0x74, 4, 1)], True, "info block (data offset|data size|descriptor)"),
    ("zero-alignment", [(0x78, 4, 0)], True, "info block alignment is 0"),
    ("section-size-1", [(0x7c, 4, 1)], True, "info block section size is 1"),
    ("major-2", [(0x10, 2, 2)], True, "info block version 2[.][0-9]+ is not supported"),
    ("feature-flags", [(0x14, 4, 0xffffffff)], True, "unknown feature flags 0xffffffff"),
    ("checksum-wrong", [(0x200, 1, 0x5a)], False, "info block checksum mismatch"),
    ("all-fields-ff", [(o, 8, U64) for o in range(0x38, 0x80, 8)], True,
     "info block (namespace|page|descriptor|chunk|data)|namespace (was resized|moved)"),
]
with open(out + "/list", "w") as lst:
    for name, edits, reseal, want in cases:
        b = bytearray(good)
        for off, size, val in edits:
            b[off:off + size] = val.to_bytes(size, "little")
        if reseal:
            seal(b)
        open("%s/%s.bin" % (out, name), "wb").write(b)
        lst.write("%s\t%s\n" % (name, want))
PY
n=$(wc -l <"$tmp/cases/list")
check "crafted $n info blocks" test "$n" -ge 20
boot_add=(--add "$tmp/cases")

# In the guest: nd_pmem (raw) puts each block at 4 KiB, then dpmem must
# refuse the namespace and leave the medium as it was.
boot 1G '
modprobe nd_pmem
modprobe dpmem
ns=namespace0.0
dev=/dev/$(ls /sys/bus/nd/devices/$ns/block 2>/dev/null)
[ "$(ns_driver $ns)" = nd_pmem ] || echo "DPMEM-TEST: FAIL setup: nd_pmem did not bind $ns raw"
tab=$(printf "\t")
while IFS="$tab" read -r name want; do
	[ "$(ns_driver $ns)" = nd_pmem ] || { not_ok "$name" "nd_pmem lost $ns"; continue; }
	dd if=cases/$name.bin of=$dev bs=4096 seek=1 conv=fsync 2>/dev/null
	before=$(dd if=$dev bs=1M count=32 2>/dev/null | sha256sum)
	echo $ns >/sys/bus/nd/drivers/nd_pmem/unbind
	dmesg -c >/dev/null
	if err=$( (echo $ns >/sys/bus/nd/drivers/dpmem/bind) 2>&1); then
		not_ok "$name: refused" "dpmem bound the namespace"
		echo $ns >/sys/bus/nd/drivers/dpmem/unbind
	else
		ok "$name: refused"
	fi
	# nvdimm_bus_probe() counts -EOPNOTSUPP as bound (it advances the
	# region seeds): a refusal must use another errno.
	case "$err" in
	*"not supported"*) not_ok "$name: errno means refused" "$err" ;;
	*) ok "$name: errno means refused" ;;
	esac
	log=$(dmesg)
	if echo "$log" | grep -qE "dpmem $ns: .*($want)"; then
		ok "$name: reason logged"
	else
		not_ok "$name: reason logged" "want /$want/, got: $(echo "$log" | grep dpmem | head -n 2 | tr "\n" " ")"
	fi
	if echo "$log" | grep -qE "WARNING:|BUG:|Oops|Call Trace"; then
		not_ok "$name: no WARN or oops" "$(echo "$log" | grep -E "WARNING:|BUG:" | head -n 1)"
	fi
	# dpmem keeps holding a namespace with its (damaged) info block, so
	# nd_pmem gets it back only the way ndctl gives one back: force_raw,
	# which dpmem declines and lets go of.
	echo 1 >/sys/bus/nd/devices/$ns/force_raw
	echo $ns >/sys/bus/nd/drivers/dpmem/bind 2>/dev/null
	echo $ns >/sys/bus/nd/drivers/nd_pmem/bind
	echo 0 >/sys/bus/nd/devices/$ns/force_raw
	check_eq "$name: nothing written" "$(dd if=$dev bs=1M count=32 2>/dev/null | sha256sum)" "$before"
done <cases/list
done_testing
'
check_eq "every crafted block refused cleanly" "$?" 0
grep -a "DPMEM-TEST: " "$tmp/out" | grep -v "DPMEM-TEST: done"
done_testing
