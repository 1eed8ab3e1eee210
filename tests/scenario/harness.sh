#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-tests of scripts/guest-run: exit status, timeouts, kernel crashes,
# --add, and FILE-backed nvdimms that keep their content across boots.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/guest/lib.sh"
gr() { "$top/scripts/guest-run" --quiet "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gr --nvdimm 1G -- false >/dev/null 2>&1
rc=$?
[ "$rc" -ne 0 ] && ok "false in the guest fails the run" || not_ok "false in the guest fails the run" "rc=$rc"

gr -- sh -c 'exit 3' >/dev/null 2>&1
check_eq "exit status is passed through" "$?" 3

gr -- sh -c 'test "$(id -u)" = 0 && test -e /sys/bus/nd' >/dev/null 2>&1
check_eq "command runs as root with the nd bus" "$?" 0

gr --timeout 40 -- sleep 600 >/dev/null 2>"$tmp/timeout.err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q TIMEOUT "$tmp/timeout.err"; then
	ok "a hung command times out"
else
	not_ok "a hung command times out" "rc=$rc, stderr: $(head -c 300 "$tmp/timeout.err")"
fi

gr -- sh -c 'echo c >/proc/sysrq-trigger; sleep 30' >/dev/null 2>"$tmp/oops.err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q "kernel problem" "$tmp/oops.err"; then
	ok "a guest oops fails the run"
else
	not_ok "a guest oops fails the run" "rc=$rc, stderr: $(head -c 300 "$tmp/oops.err")"
fi

echo "payload-$$" >"$tmp/added.txt"
gr --add "$tmp/added.txt" -- grep -q "payload-$$" added.txt >/dev/null 2>&1
check_eq "--add copies files to the working directory" "$?" 0

# FILE-backed nvdimm: what one boot writes, the next boot and the host see.
img=$tmp/pmem.img
mark="dpmem-persist-$$-$RANDOM"
gr --nvdimm "$img:1G" -- sh -c "modprobe nd_pmem && printf '$mark' | dd of=/dev/pmem0 bs=4096 conv=sync,fsync" >/dev/null 2>&1
check_eq "write through nd_pmem on a FILE-backed nvdimm" "$?" 0
gr --nvdimm "$img:1G" -- sh -c "modprobe nd_pmem && dd if=/dev/pmem0 bs=4096 count=1 2>/dev/null | grep -q '$mark'" >/dev/null 2>&1
check_eq "next boot reads it back" "$?" 0
check "the backing file holds it" grep -qa "$mark" "$img"
done_testing
