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
