#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The info block on a FILE-backed nvdimm, edited from the host between
# boots: format leaves the first 4 KiB alone, survives a reboot, and a
# corrupt or moved block is refused with a reason and nothing written.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/scenario/lib.bash"
region_sum() { dd if="$img" bs=1M count=32 2>/dev/null | sha256sum; }
poke() { printf "$2" | dd of="$img" bs=1 seek=$(($1)) conv=notrunc 2>/dev/null; }
# set_u32 OFF N: edit a 32-bit field of the info block (the page size at
# 0x68, say) and recompute its fletcher64, so only the driver's field
# checks can catch it.
set_u32() { set_field I "$@"; }
set_u16() { set_field H "$@"; }
set_field() {
	python3 - "$img" "$@" <<'PY'
import struct, sys
f = open(sys.argv[1], "r+b"); f.seek(4096); b = bytearray(f.read(4096))
struct.pack_into("<" + sys.argv[2], b, int(sys.argv[3], 0), int(sys.argv[4])); struct.pack_into("<Q", b, 4088, 0)
lo = hi = 0
for (w,) in struct.iter_unpack("<I", b):
    lo = (lo + w) & 0xffffffff; hi = (hi + lo) & 0xffffffffffffffff
struct.pack_into("<Q", b, 4088, ((hi << 32) | lo) & 0xffffffffffffffff)
f.seek(4096); f.write(b)
PY
}
peek() { dd if="$img" bs=1 skip=$(($1)) count="$2" 2>/dev/null | od -An -tx1 | tr -d ' \n'; }

truncate -s 1G "$img"
# Something of the user's in the first 4 KiB and in the data area.
head -c 4096 /dev/zero | tr '\0' 'A' | dd of="$img" conv=notrunc 2>/dev/null
poke $((18 * MIB + 4096)) 'user data'
first4k=$(dd if="$img" bs=4096 count=1 2>/dev/null | sha256sum)

boot 1G 'modprobe dpmem && dpmem_format namespace0.0 && [ "$(ns_driver namespace0.0)" = dpmem ]'
check_eq "format on a FILE-backed nvdimm" "$?" 0
check_eq "first 4 KiB untouched by format" "$(dd if="$img" bs=4096 count=1 2>/dev/null | sha256sum)" "$first4k"
check_eq "info block signature at 4 KiB" "$(dd if="$img" bs=1 skip=4096 count=14 2>/dev/null)" DPMEM_INFO_BLK
check_eq "data area untouched by format" "$(dd if="$img" bs=1 skip=$((18 * MIB + 4096)) count=9 2>/dev/null)" "user data"

boot 1G 'modprobe dpmem && [ "$(ns_driver namespace0.0)" = dpmem ]'
check_eq "binds after reboot" "$?" 0

# Corrupt one reserved byte: the checksum catches it.
orig=$(peek $((4096 + 0x200)) 1)
poke $((4096 + 0x200)) '\x5a'
before=$(region_sum)
boot 1G 'modprobe dpmem; [ -z "$(ns_driver namespace0.0)" ] && dmesg | grep "dpmem namespace0.0"'
check_eq "corrupt block: not bound" "$?" 0
check "corrupt block: checksum mismatch logged" grep -q "info block checksum mismatch" "$tmp/out"
check_eq "corrupt block: nothing written" "$(region_sum)" "$before"

# A field corrupted with a matching checksum is caught by the field checks:
# recompute fletcher64 on the host with the page size set to 8192.
poke $((4096 + 0x200)) "\\x$orig"
set_u32 0x68 8192
before=$(region_sum)
boot 1G 'modprobe dpmem; [ -z "$(ns_driver namespace0.0)" ] && dmesg | grep "dpmem namespace0.0"'
check_eq "resealed bad field: not bound" "$?" 0
check "resealed bad field: reason logged" grep -q "info block page size is 8192, expected 4096" "$tmp/out"
check_eq "resealed bad field: nothing written" "$(region_sum)" "$before"

# Put the page size back (and reseal): binds again, the data is intact.
set_u32 0x68 4096
boot 1G 'modprobe dpmem && [ "$(ns_driver namespace0.0)" = dpmem ]'
check_eq "repaired block binds again" "$?" 0

# More guest RAM moves the nvdimm to another physical address.
before=$(region_sum)
boot --mem 4G 1G 'modprobe dpmem; [ -z "$(ns_driver namespace0.0)" ] && dmesg | grep "dpmem namespace0.0"'
check_eq "moved namespace: not bound" "$?" 0
check "moved namespace: reason logged" grep -q "namespace moved: formatted at 0x100000000, now at 0x" "$tmp/out"
check_eq "moved namespace: nothing written" "$(region_sum)" "$before"
check_eq "data area intact through it all" "$(dd if="$img" bs=1 skip=$((18 * MIB + 4096)) count=9 2>/dev/null)" "user data"

# Grouped placement records version 1.3 (1.1 added it), placement 2 and its unit size
# (16 sections); a unit size out of range, resealed, is refused.
u32() { dd if="$img" bs=1 skip=$((4096 + $1)) count=4 2>/dev/null | od -An -tu4 | tr -d ' '; }
boot 1G 'modprobe dpmem; echo namespace0.0 >/sys/bus/nd/drivers/dpmem/unbind 2>/dev/null; dpmem_format "namespace0.0 grouped force" && [ "$(ns_driver namespace0.0)" = dpmem ]'
check_eq "format grouped" "$?" 0
minor() { dd if="$img" bs=1 skip=$((4096 + 0x12)) count=2 2>/dev/null | od -An -tu2 | tr -d ' '; }
u64() { dd if="$img" bs=1 skip=$((4096 + $1)) count=8 2>/dev/null | od -An -tu8 | tr -d ' '; }
check_eq "grouped: minor version 3" "$(minor)" 3
check_eq "grouped: placement 2" "$(u32 0x74)" 2
check_eq "grouped: 16 sections per unit" "$(u32 0x80)" 16
check_eq "grouped: incompatible feature flag 1 (a 1.0 driver refuses it)" "$(u32 0x14)" 1
set_u32 0x80 65
before=$(region_sum)
boot 1G 'modprobe dpmem; [ -z "$(ns_driver namespace0.0)" ] && dmesg | grep "dpmem namespace0.0"'
check_eq "grouped, 65 sections per unit: not bound" "$?" 0
check "grouped, 65 sections per unit: reason logged" grep -q "info block records 65 sections per unit, outside 1-64: corrupt" "$tmp/out"
check_eq "grouped, 65 sections per unit: nothing written" "$(region_sum)" "$before"
set_u32 0x80 16
boot 1G 'modprobe dpmem && [ "$(ns_driver namespace0.0)" = dpmem ]'
check_eq "grouped: repaired block binds again" "$?" 0

# Ram and none placement (version 1.2): placements 3 and 4, each with its
# own incompatible feature flag (a 1.1 driver refuses them), no
# descriptor area recorded, ram's unit at 0x084 (1.3: 1 = 2 MiB); both
# survive a reboot. A ram block without
# its flag, resealed, is refused with the reason and nothing written.
for pl in ram:3:2:1 none:4:4:0; do
	name=${pl%%:*} raw=${pl#*:}
	unit=${raw##*:} raw=${raw%:*}
	flag=${raw#*:} raw=${raw%%:*}
	boot 1G "modprobe dpmem; echo namespace0.0 >/sys/bus/nd/drivers/dpmem/unbind 2>/dev/null; dpmem_format 'namespace0.0 $name force' && [ \"\$(cat /sys/bus/nd/devices/namespace0.0/dpmem/placement)\" = $name ]"
	check_eq "format $name" "$?" 0
	check_eq "$name: minor version 3, placement $raw, flag $flag, ram unit $unit" \
		"$(minor) $(u32 0x74) $(u32 0x14) $(u32 0x84)" "3 $raw $flag $unit"
	check_eq "$name: no descriptor area, data at 2 MiB" "$(u64 0x58) $(u64 0x60) $(u64 0x48)" "0 0 $((2 * MIB))"
	boot 1G "modprobe dpmem && [ \"\$(cat /sys/bus/nd/devices/namespace0.0/dpmem/placement)\" = $name ]"
	check_eq "$name: binds again after a reboot" "$?" 0
done
boot 1G 'modprobe dpmem; echo namespace0.0 >/sys/bus/nd/drivers/dpmem/unbind; dpmem_format "namespace0.0 ram force"'
set_u32 0x14 0
before=$(region_sum)
boot 1G 'modprobe dpmem; [ -z "$(ns_driver namespace0.0)" ] && dmesg | grep "dpmem namespace0.0"'
check_eq "ram without its flag: not bound" "$?" 0
check "ram without its flag: reason logged" grep -q "info block feature flags is 0x0, the namespace geometry implies 0x2: corrupt" "$tmp/out"
check_eq "ram without its flag: nothing written" "$(region_sum)" "$before"
set_u32 0x14 2
# The ram unit: 64 blocks (128 MiB) bind as such; 65 is refused with the
# reason; 0 (a 1.2 block) is 2 MiB.
set_u32 0x84 64
boot 1G 'modprobe dpmem; dmesg | grep "dpmem namespace0.0: struct pages in RAM, made per 128 MiB"'
check_eq "ram unit 64 x 2 MiB: binds with 128 MiB units" "$?" 0
set_u32 0x84 65
before=$(region_sum)
boot 1G 'modprobe dpmem; [ -z "$(ns_driver namespace0.0)" ] && dmesg | grep "dpmem namespace0.0"'
check_eq "ram unit 65 x 2 MiB: not bound" "$?" 0
check "ram unit 65 x 2 MiB: reason logged" grep -q "ram unit of 136314880 bytes is not a multiple of 2 MiB from 2 to 128 MiB" "$tmp/out"
check_eq "ram unit 65 x 2 MiB: nothing written" "$(region_sum)" "$before"
set_u32 0x84 0
set_u16 0x12 2
boot 1G 'modprobe dpmem; dmesg | grep "dpmem namespace0.0: struct pages in RAM, made per 2 MiB"'
check_eq "a 1.2 ram block (unit 0): binds with 2 MiB units" "$?" 0
done_testing
