# SPDX-License-Identifier: GPL-2.0
# Shared settings for dpmem's scripts: where the cache lives, which kernel is
# used, and small helpers. Sourced, not run.

DPMEM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# rustup's tools (cargo, rustc, bindgen from `cargo install`) live here; CI
# and fresh shells may not have it on PATH.
case ":$PATH:" in
*":$HOME/.cargo/bin:"*) ;;
*) PATH="$HOME/.cargo/bin:$PATH" ;;
esac
export PATH

# Everything built or downloaded lives outside the repository.
DPMEM_CACHE=${DPMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dpmem}

KERNEL_SRC_PKG=linux-source-6.12
KERNEL_TARBALL=/usr/src/linux-source-6.12.tar.xz
BINDGEN_VERSION=0.73.2

# Fragments that define the test kernels. The debug kernel adds its own on top.
KERNEL_FRAGMENT=$DPMEM_TOP/scripts/kernel-config.fragment
KERNEL_DEBUG_FRAGMENT=$DPMEM_TOP/scripts/kernel-config-debug.fragment

# Bumped when the way the kernel is built changes, so caches are rebuilt.
KERNEL_BUILD_REV=1

die() {
	echo "error: $*" >&2
	exit 1
}

log() {
	echo ">>> $*" >&2
}

kernel_pkg_version() {
	dpkg-query -W -f='${Version}' "$KERNEL_SRC_PKG" 2>/dev/null ||
		die "$KERNEL_SRC_PKG is not installed: run scripts/setup"
}

# kernel_build_dir [debug]: the build directory for the current kernel
# source and fragment(s). Changing either gives a new directory.
kernel_build_dir() {
	local variant=${1:-}
	local frags=("$KERNEL_FRAGMENT")
	[ "$variant" = debug ] && frags+=("$KERNEL_DEBUG_FRAGMENT")
	local hash
	hash=$( (echo "rev=$KERNEL_BUILD_REV"; cat "${frags[@]}") | sha256sum | cut -c1-12)
	echo "$DPMEM_CACHE/kernel-$(kernel_pkg_version)-${variant:+$variant-}$hash"
}

kernel_src_dir() {
	echo "$DPMEM_CACHE/src/linux-source-$(kernel_pkg_version)"
}

# KDIR for the module build: an explicit KDIR wins, else the cached build.
default_kdir() {
	if [ -n "${KDIR:-}" ]; then
		echo "$KDIR"
	else
		kernel_build_dir "${DPMEM_KERNEL_VARIANT:-}"
	fi
}
