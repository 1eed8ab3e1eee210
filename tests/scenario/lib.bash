# SPDX-License-Identifier: GPL-2.0
#
# Shared set-up of the host-side scenarios (not a scenario itself: the
# runner only picks up *.sh). Sourced after `top` is set. Gives the guest
# check helpers, a temporary directory $tmp removed on exit, the backing
# file path $img, and boot().
. "$top/tests/guest/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
img=$tmp/pmem.img
MIB=$((1 << 20))
# Extra files for the guest (e.g. a static tool), as --add options.
boot_add=()

# boot [--mem SIZE] SIZE SNIPPET: boot with $img as a SIZE nvdimm, run the
# shell SNIPPET (lib.sh sourced) in the guest; its status is boot's status,
# the guest log is in $tmp/out.
boot() {
	local args=()
	[ "$1" = --mem ] && { args=(--mem "$2"); shift 2; }
	"$top/scripts/guest-run" --quiet "${args[@]}" --nvdimm "$img:$1" --add "$top/tests/guest/lib.sh" \
		"${boot_add[@]}" --log "$tmp/out" -- sh -c ". ./lib.sh; $2" >/dev/null 2>&1
}

# cut_after LOG PID DELAY: once LOG shows WRITER-START (or the guest run PID
# ended), wait DELAY seconds, SIGKILL the QEMU running on $img (a crash),
# and reap PID.
cut_after() {
	local i
	for i in $(seq 1200); do
		grep -q '^WRITER-START' "$1" 2>/dev/null && break
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	sleep "$3"
	pkill -9 -f "qemu-system.*$img" || true
	wait "$2" 2>/dev/null
}
