#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's commands on a machine that has none of what scripts/setup
# installs, without needing such a machine: the Makefile and the scripts run
# with HOME and the cache in an empty directory and with stand-ins for the
# tools set-up provides (dpkg-query reports every package missing, apt-get
# cannot install, rustc/cargo/bindgen/clang/qemu are absent). Every stand-in
# logs its call, so the order of events can be checked:
#   - reading the Makefile asks the system nothing, and exports nothing to
#     the recipes (a value computed before set-up is stale after it);
#   - no cache path is ever made from a missing package's empty version;
#   - `make demo` and `make check` try set-up before anything else asks which
#     kernel source is installed;
#   - with the package "installed", the same logic names the right directory;
#   - none of it touches the checkout it was run from (the nested `make
#     check` once wiped the results of the `make check` running this).
# The commands run in a copy of the checkout's files.
# Prints "ok NAME" or "FAIL NAME: why" per check.
set -uo pipefail
cd "$(dirname "$0")/../.."
checkout=$PWD

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dpmem-fresh.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
bin=$tmp/bin calls=$tmp/calls
mkdir -p "$bin" "$tmp/home" "$tmp/tree"

# Every path in the checkout but .git and build output, to compare at the end.
tree_paths() {
	find "$checkout" \( -path "$checkout/.git" -o -path "$checkout/tests/host/target" \) -prune -o -print | sort
}
tree_paths >"$tmp/paths.before"
# The files git would commit (tracked and new, not deleted, not ignored).
git -C "$checkout" ls-files -z -co --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$checkout/$f" ] && printf '%s\0' "$f"; done |
	tar -C "$checkout" --null -T - -cf - | tar -C "$tmp/tree" -xf -
cd "$tmp/tree" || exit 1
top=$PWD

# dpkg-query: FAKE_KSRC_VERSION unset = nothing installed (dpkg's own answer).
cat >"$bin/dpkg-query" <<'EOF'
#!/bin/bash
echo "dpkg-query $*" >>"$FAKE_CALLS"
if [ -n "${FAKE_KSRC_VERSION:-}" ] && [ "${*: -1}" = linux-source-6.12 ]; then
	fmt=$(printf '%s\n' "$@" | sed -n 's/^-f=\{0,1\}//p; s/^--showformat=//p')
	fmt=${fmt//'${db:Status-Status}'/installed}
	fmt=${fmt//'${Version}'/$FAKE_KSRC_VERSION}
	printf '%s' "$fmt"
	exit 0
fi
echo "dpkg-query: no packages found matching ${*: -1}" >&2
exit 1
EOF
for t in apt-get rustup rustc cargo bindgen clang ld.lld qemu-system-x86_64 rustfmt; do
	printf '#!/bin/bash\necho "%s $*" >>"$FAKE_CALLS"\necho "%s: not installed (fresh machine)" >&2\nexit 127\n' \
		"$t" "$t" >"$bin/$t"
done
chmod +x "$bin"/*

fresh() { # fresh CMD...: run CMD as on a fresh machine; output in $tmp/out
	: >"$calls"
	env -i PATH="$bin:/usr/sbin:/usr/bin:/sbin:/bin" HOME="$tmp/home" TERM=dumb \
		FAKE_CALLS="$calls" ${FAKE_KSRC_VERSION:+FAKE_KSRC_VERSION=$FAKE_KSRC_VERSION} \
		"$@" >"$tmp/out" 2>&1
}
ok() { echo "ok $1"; }
not_ok() { echo "FAIL $1: $2"; }
no_stale_dirs() { # no cache entry named after an empty version
	! find "$tmp/home" -name 'kernel--*' -o -name 'linux-source-' | grep -q .
}

fresh make help
if [ ! -s "$calls" ]; then
	ok "reading the Makefile queries no package or tool"
else
	not_ok "reading the Makefile" "it ran: $(head -n 2 "$calls" | tr '\n' ';')"
fi

printf 'dpmem-env-probe:\n\t@env >$(PROBE_OUT)\n' >"$tmp/probe.mk"
fresh make -f Makefile -f "$tmp/probe.mk" dpmem-env-probe PROBE_OUT="$tmp/env"
if [ -f "$tmp/env" ] && ! grep -q '^KDIR=' "$tmp/env"; then
	ok "the Makefile exports no kernel directory to its recipes"
else
	not_ok "Makefile exports" "recipes see $(grep '^KDIR=' "$tmp/env" 2>/dev/null || echo 'no env')"
fi

fresh bash scripts/build-kernel --print-dir
rc=$?
if [ "$rc" -ne 0 ] && ! grep -q "^/" "$tmp/out" && grep -q 'not installed: run scripts/setup' "$tmp/out"; then
	ok "build-kernel --print-dir fails and says to run set-up when the source is missing"
else
	not_ok "build-kernel --print-dir" "rc $rc, printed: $(head -n 2 "$tmp/out" | tr '\n' ' ')"
fi

fresh make module
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'not installed: run scripts/setup' "$tmp/out" &&
	! grep -q 'No such file or directory' "$tmp/out" && no_stale_dirs; then
	ok "make module without the source says to run set-up and creates nothing"
else
	not_ok "make module" "rc $rc; $(grep -m2 -E 'error|No such' "$tmp/out" | tr '\n' ' '); stale: $(find "$tmp/home" -name 'kernel--*' | head -n1)"
fi

for target in demo check; do
	fresh make "$target"
	rc=$?
	first_apt=$(grep -n '^apt-get' "$calls" | head -n1 | cut -d: -f1)
	first_ver=$(grep -n 'Version' "$calls" | head -n1 | cut -d: -f1)
	if [ "$rc" -ne 0 ] && [ -n "$first_apt" ] && { [ -z "$first_ver" ] || [ "$first_ver" -gt "$first_apt" ]; } &&
		no_stale_dirs; then
		ok "make $target tries set-up before asking which kernel source is installed"
	else
		not_ok "make $target" "rc $rc, apt-get at call ${first_apt:-never}, version asked at call ${first_ver:-never}"
	fi
done

hash=$( (echo "rev=$(sed -n 's/^KERNEL_BUILD_REV=//p' scripts/lib.sh)"; cat scripts/kernel-config.fragment) |
	sha256sum | cut -c1-12)
want="$tmp/home/.cache/dpmem/kernel-6.12.999-1-$hash"
FAKE_KSRC_VERSION=6.12.999-1 fresh bash scripts/build-kernel --print-dir
got=$(cat "$tmp/out")
if [ "$got" = "$want" ]; then
	ok "with the source installed, the cached kernel is named after its version"
else
	not_ok "kernel directory" "want $want, got $got"
fi

tree_paths >"$tmp/paths.after"
if cmp -s "$tmp/paths.before" "$tmp/paths.after"; then
	ok "the checkout it ran from is left as it was"
else
	not_ok "checkout touched" "$(diff "$tmp/paths.before" "$tmp/paths.after" | grep '^[<>]' | head -n 3 | tr '\n' ' ')"
fi
