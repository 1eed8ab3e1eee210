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

# The installed kernel-source package's version; fails (with a message) when
# it is not installed, so that no path is ever made from an empty version.
kernel_pkg_version() {
	local v
	v=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$KERNEL_SRC_PKG" 2>/dev/null) || v=
	case "$v" in
	"installed "?*) echo "${v#installed }" ;;
	*) die "$KERNEL_SRC_PKG is not installed: run scripts/setup (make demo and make check do)" ;;
	esac
}

# kernel_build_dir [debug]: the build directory for the current kernel
# source and fragment(s). Changing either gives a new directory.
kernel_build_dir() {
	local variant=${1:-}
	local frags=("$KERNEL_FRAGMENT")
	[ "$variant" = debug ] && frags+=("$KERNEL_DEBUG_FRAGMENT")
	local hash version
	version=$(kernel_pkg_version) || return 1
	hash=$( (echo "rev=$KERNEL_BUILD_REV"; cat "${frags[@]}") | sha256sum | cut -c1-12)
	echo "$DPMEM_CACHE/kernel-$version-${variant:+$variant-}$hash"
}

kernel_src_dir() {
	local version
	version=$(kernel_pkg_version) || return 1
	echo "$DPMEM_CACHE/src/linux-source-$version"
}
