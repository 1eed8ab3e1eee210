# SPDX-License-Identifier: GPL-2.0
#
# Guest-side helpers for dpmem's integration tests (busybox sh). A test
# script sources this, reports each check with ok/not_ok, and ends with
# done_testing. The host harness (tests/run-guest-tests) counts the
# "DPMEM-TEST:" lines. Every check returns non-zero when it fails, so a
# test can stop what depends on it (`check ... || return`).

T_FAILED=0
T_COUNT=0

ok() {
	T_COUNT=$((T_COUNT + 1))
	echo "DPMEM-TEST: ok $1"
}

not_ok() {
	T_COUNT=$((T_COUNT + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "DPMEM-TEST: FAIL $1: $2"
	return 1
}

# check NAME CMD...: passes when CMD succeeds.
check() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		ok "$_name"
	else
		not_ok "$_name" "'$*' failed: $(echo "$_out" | tail -n 3 | tr '\n' ' ')"
	fi
}

# check_fails NAME CMD...: passes when CMD fails.
check_fails() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		not_ok "$_name" "'$*' succeeded, expected failure"
	else
		ok "$_name"
	fi
}

# check_eq NAME GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "got '$2', want '$3'"
	fi
}

done_testing() {
	echo "DPMEM-TEST: done $T_COUNT checks, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
	exit $?
}

# ns_driver NAMESPACE: name of the driver bound to it, empty if none.
ns_driver() {
	_l=$(readlink "/sys/bus/nd/devices/$1/driver" 2>/dev/null) || return 0
	echo "${_l##*/}"
}

# namespace_of_size BYTES: the first namespace of exactly that size (guest
# numbering does not follow QEMU's device order).
namespace_of_size() {
	for _ns in /sys/bus/nd/devices/namespace*; do
		[ "$(cat "$_ns/size" 2>/dev/null)" = "$1" ] && { echo "${_ns##*/}"; return 0; }
	done
	return 1
}

# blockdev_of NAMESPACE: the disk ndctl lists for it (dpmemN, or pmemN of
# an nd_pmem fsdax namespace).
blockdev_of() {
	ndctl list -n "$1" | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p'
}

# disk_phys NAMESPACE: physical address of byte 0 of its disk: after
# dpmem's info block and descriptors, or at the start of nd_pmem's pfn
# device's data.
disk_phys() {
	if [ -d "/sys/bus/nd/devices/$1/dpmem" ]; then
		echo $(($(cat "/sys/bus/nd/devices/$1/resource") + $(cat "/sys/bus/nd/devices/$1/dpmem/data_offset")))
	else
		echo $(($(cat "/sys/bus/nd/devices/$(cat "/sys/bus/nd/devices/$1/holder")/resource")))
	fi
}

# pins_held: pages pinned (FOLL_PIN: direct I/O, io_uring, process_vm_*)
# and not released yet, system-wide. Idle, it is 0. The CPUs' pending
# counter deltas are folded in first (stat_refresh): unfolded, the sum
# can be off by a few either way.
pins_held() {
	echo 1 >/proc/sys/vm/stat_refresh
	awk '/^nr_foll_pin_acquired /{a=$2} /^nr_foll_pin_released /{r=$2} END{print a-r}' /proc/vmstat
}

# pins_acquired: pages pinned so far, system-wide (see pins_held).
pins_acquired() {
	echo 1 >/proc/sys/vm/stat_refresh
	awk '/^nr_foll_pin_acquired /{print $2}' /proc/vmstat
}

# mem_free: MemFree in KiB once dirty data is written and clean caches are
# dropped (what tests that watch for leaked or held memory compare).
mem_free() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	awk '/^MemFree:/ { print $2 }' /proc/meminfo
}

# klog_has PATTERN: the kernel log contains PATTERN (grep -E).
klog_has() {
	dmesg | grep -qE "$1"
}

# check_no_kernel_warnings NAME: the kernel log has no WARN, BUG, oops or
# stack trace; on failure the first of them is part of the message (the
# guest's console shows only errors, so the host cannot see warnings).
check_no_kernel_warnings() {
	_w=$(dmesg | grep -aE -m2 -A12 'WARNING:|BUG:|Oops|Call Trace')
	if [ -z "$_w" ]; then
		ok "$1"
	else
		not_ok "$1" "$(echo "$_w" | tr '\n' ' ' | cut -c1-1500)"
	fi
}

# placement_or DEFAULT: the placement this run asks for
# (tests/run-guest-tests --placement P boots with dpmem.default_placement=P),
# else DEFAULT; for suites that name a placement but work on several.
placement_or() {
	_p=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^dpmem\.default_placement=//p')
	echo "${_p:-$1}"
}

# dpmem_format ARGS...: write ARGS to dpmem's format attribute; prints the
# write error (e.g. "File exists") and fails if the kernel refused it.
# A request without a placement in a run that names one
# (tests/run-guest-tests --placement) must get that placement.
dpmem_format() {
	_err=$( (echo "$*" >/sys/bus/nd/drivers/dpmem/format) 2>&1) || {
		echo "${_err##*: }"
		return 1
	}
	_want=$(placement_or "")
	[ "$_want" = auto ] && _want= # auto names no one placement
	case " $* " in *" head "* | *" sectioned "* | *" grouped "* | *" ram "* | *" none "*) _want= ;; esac
	_ns=${1%% *}
	if [ -n "$_want" ] && [ "$(cat /sys/bus/nd/devices/$_ns/dpmem/placement)" != "$_want" ]; then
		echo "formatted $_ns $(cat /sys/bus/nd/devices/$_ns/dpmem/placement), not $_want as the run asks"
		return 1
	fi
	return 0
}

# check_refused NAME ERRTEXT ARGS...: formatting with ARGS fails with ERRTEXT.
check_refused() {
	_name=$1 _want=$2
	shift 2
	if _got=$(dpmem_format "$@"); then
		not_ok "$_name" "format '$*' succeeded"
	elif [ "$_got" = "$_want" ]; then
		ok "$_name"
	else
		not_ok "$_name" "format '$*' failed with '$_got', want '$_want'"
	fi
}

# mce_injector: debugfs mounted and the kernel's MCE injector there.
mce_injector() {
	mount -t debugfs none /sys/kernel/debug 2>/dev/null
	test -w /sys/kernel/debug/mce-inject/bank
}

# inject_mce PHYS: a software-injected uncorrected memory error at PHYS
# (debugfs mce-inject), which the NFIT MCE notifier turns into poison. The
# guest CPU of -cpu max under TCG is AMD: a UC error in bank 4 with
# extended error code 8; misc bits 5:0 = 12 make the range one 4 KiB page.
inject_mce() {
	mce_injector || return 1
	_inj=/sys/kernel/debug/mce-inject
	echo sw >$_inj/flags &&
		printf '%#x\n' "$1" >$_inj/addr &&
		echo 0xb400000000080000 >$_inj/status &&
		echo 0xc >$_inj/misc &&
		echo 0 >$_inj/cpu &&
		echo 4 >$_inj/bank
}
