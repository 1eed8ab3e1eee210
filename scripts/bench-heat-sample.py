#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Host half of scripts/bench-heat: counts how often the guest writes each
# 4 KiB page of the struct-page descriptor area of dpmem's and nd_pmem's
# nvdimms while the guest's DAX rows run (between the HEAT-BEGIN and
# HEAT-END lines of its console).
#
# How: QEMU maps each nvdimm's backing file shared, and under TCG every
# guest store to it is a store of the QEMU process through that mapping.
# A written page is dirty in the host's page cache (/proc/kpageflags,
# reached through /proc/QEMU/pagemap; root only). Every INTERVAL the
# sampler counts the dirty pages of the descriptor area, then writes them
# back (sync_file_range), which write-protects them again: the next store
# dirties the page anew. So a page's count is the number of intervals in
# which it was stored to, counted by stores, not by changed bytes.
# Resolution: the host's page cache folio. Where the host caches the
# backing file in large folios (xfs since 5.18, ext4 since 6.16, with
# QEMU's MADV_HUGEPAGE: 2 MiB), the dirty flag is the folio's, and a page counts whenever any
# page of its folio was stored to; the output says so ("large_folios")
# and counts 2 MiB blocks too; scripts/bench-heat avoids that where it
# can by putting the images on a filesystem cached in 4 KiB folios
# (--probe tells). A count is a lower bound of the intervals with stores
# to its folio (the host's own writeback could clean one between two
# samples). The images must be on a disk filesystem (not tmpfs, whose
# pages are never cleaned): checked.
#
# The descriptor area comes from each namespace's info block (the whole
# nvdimm is one label-less namespace, file offset 0 = namespace start):
# dpmem's (signature DPMEM_INFO_BLK: head, sectioned, grouped, and for
# ram the first 2 MiB, where no descriptor is) and nd_pmem's fsdax pfn
# block (NVDIMM_PFN_INFO: from 8 KiB to its data offset).
#
# usage: bench-heat-sample.py CONSOLE INTERVAL FILE...
# Prints one JSON object per nvdimm file with a known info block.
# usage: bench-heat-sample.py --probe DIR
# Exits 0 if files in DIR are cached in 4 KiB folios, 1 if in large
# folios, 2 if it cannot tell.
import ctypes, json, mmap, os, re, struct, sys, time

MIB = 1 << 20
SECTION = 128 * MIB
PAGE = 4096
libc = ctypes.CDLL(None, use_errno=True)
libc.sync_file_range.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
SYNC = 1 | 2 | 4  # WAIT_BEFORE | WRITE | WAIT_AFTER


def u(fmt, b, off):
    return struct.unpack_from(fmt, b, off)[0]


def dpmem_ranges(b):
    """Descriptor ranges (file offsets) of a dpmem info block."""
    size, start = u("<Q", b, 0x38), u("<Q", b, 0x40)
    data_off, desc_off, desc_size = u("<Q", b, 0x48), u("<Q", b, 0x58), u("<Q", b, 0x60)
    placement = u("<I", b, 0x74)
    name = {0: "head", 1: "sectioned", 2: "grouped", 3: "ram", 4: "none"}.get(placement, "?")
    if placement == 0:
        return name, [(desc_off, data_off)]
    if placement in (3, 4):
        # No descriptors on the media: what would hold them is the head
        # up to the data (info block included), which must stay unwritten.
        return name, [(0, data_off)]
    n = u("<I", b, 0x80) if placement == 2 else 1
    first = -(-start // SECTION) * SECTION
    sections = ((start + size) // SECTION * SECTION - first) // SECTION
    off0 = first - start
    ranges = []
    for unit in range(-(-sections // n)):
        lo = off0 + unit * n * SECTION + (2 * MIB if unit == 0 and off0 == 0 else 0)
        ranges.append((lo, lo + min(n, sections - unit * n) * 2 * MIB))
    return name, ranges


def pfn_ranges(b):
    """Descriptor range of an nd_pfn (fsdax) info block: map=dev keeps the
    struct pages between the 8 KiB of info and the data."""
    data_off, start_pad = u("<Q", b, 56), u("<I", b, 76)
    # dataoff counts from the namespace start (nd_pfn_init()).
    return "nd_pmem", [(start_pad + 8192, data_off)]


KPF_COMPOUND_HEAD, KPF_COMPOUND_TAIL = 15, 16
TMPFS_MAGIC = 0x01021994


def on_tmpfs(path):
    class Statfs(ctypes.Structure):
        _fields_ = [("f_type", ctypes.c_long), ("rest", ctypes.c_long * 15)]
    st = Statfs()
    libc.statfs.argtypes = [ctypes.c_char_p, ctypes.POINTER(Statfs)]
    if libc.statfs(path.encode(), ctypes.byref(st)) != 0:
        return False
    return st.f_type & 0xffffffff == TMPFS_MAGIC


def identify(path):
    with open(path, "rb") as f:
        f.seek(4096)
        b = f.read(4096)
    if b[:14] == b"DPMEM_INFO_BLK":
        name, r = dpmem_ranges(b)
        return "dpmem", name, r
    if b[:15] == b"NVDIMM_PFN_INFO":
        name, r = pfn_ranges(b)
        return "nd_pmem", name, r
    return None


def qemu_mapping(path):
    """(pid, address) of QEMU's shared mapping of PATH at file offset 0."""
    real = os.path.realpath(path)
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            for line in open("/proc/%s/maps" % pid):
                f = line.split()
                if len(f) >= 6 and f[5] == real and int(f[2], 16) == 0:
                    return int(pid), int(f[0].split("-")[0], 16)
        except OSError:
            continue
    return None


class Area:
    def __init__(self, path, driver, placement, ranges, pid, addr):
        self.path, self.driver, self.placement, self.ranges = path, driver, placement, ranges
        self.pid, self.addr = pid, addr
        self.fd = os.open(path, os.O_RDONLY)
        self.pages = sum((hi - lo) // PAGE for lo, hi in ranges)
        self.counts = {}
        self.large = False

    def clean(self):
        for lo, hi in self.ranges:
            if libc.sync_file_range(self.fd, lo, hi - lo, SYNC) != 0:
                raise OSError(ctypes.get_errno(), "sync_file_range " + self.path)

    def sample(self, pagemap, kflags):
        for lo, hi in self.ranges:
            n = (hi - lo) // PAGE
            pagemap.seek((self.addr + lo) // PAGE * 8)
            raw = pagemap.read(n * 8)
            if len(raw) != n * 8:
                raise OSError("QEMU's mapping is gone")
            entries = struct.unpack("<%dQ" % n, raw)
            for i, e in enumerate(entries):
                if not e >> 63 & 1:
                    continue
                pfn = e & ((1 << 55) - 1)
                kflags.seek(pfn * 8)
                fl = u("<Q", kflags.read(8), 0)
                if fl >> 4 & 1:  # KPF_DIRTY
                    p = lo // PAGE + i
                    self.counts[p] = self.counts.get(p, 0) + 1
                    if fl >> KPF_COMPOUND_HEAD & 1 or fl >> KPF_COMPOUND_TAIL & 1:
                        self.large = True
        self.clean()


def probe(directory):
    """Exit 0 if a shared mapping of a file in DIRECTORY is cached in 4 KiB
    folios (per-page resolution), 1 if in large folios, 2 if it cannot tell
    (no root for /proc/kpageflags, say)."""
    try:
        large = probe_large(directory)
    except OSError as e:
        print("bench-heat: cannot probe %s: %s" % (directory, e), file=sys.stderr)
        sys.exit(2)
    sys.exit(1 if large else 0)


def probe_large(directory):
    path = os.path.join(directory, ".heat-probe")
    size = 8 << 20
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.ftruncate(fd, size)
        m = mmap.mmap(fd, size, mmap.MAP_SHARED)
        try:
            m.madvise(mmap.MADV_HUGEPAGE)  # as QEMU does for its RAM blocks
        except OSError:
            pass  # no THP: QEMU's madvise fails alike
        for off in range(0, size, PAGE):
            m[off] = 1
        addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
        large = 0
        with open("/proc/self/pagemap", "rb") as pm, open("/proc/kpageflags", "rb") as kf:
            for off in range(0, size, PAGE):
                pm.seek((addr + off) // PAGE * 8)
                e = u("<Q", pm.read(8), 0)
                if e >> 63 & 1:
                    kf.seek((e & ((1 << 55) - 1)) * 8)
                    fl = u("<Q", kf.read(8), 0)
                    large += fl >> KPF_COMPOUND_HEAD & 1 | fl >> KPF_COMPOUND_TAIL & 1
        m.close()
    finally:
        os.close(fd)
        os.unlink(path)
    return large > 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--probe":
        if len(sys.argv) != 3:
            print("usage: bench-heat-sample.py --probe DIR", file=sys.stderr)
            sys.exit(2)
        probe(sys.argv[2])
    if len(sys.argv) < 4:
        sys.exit("usage: bench-heat-sample.py CONSOLE INTERVAL FILE... | --probe DIR")
    console, interval, files = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    # Wait for the rows to begin (the guest formats and mounts first).
    for path in files:
        if on_tmpfs(os.path.dirname(os.path.realpath(path))):
            sys.exit("bench-heat: %s is on tmpfs, whose pages never come clean" % path)
    while True:
        text = open(console, errors="replace").read() if os.path.exists(console) else ""
        if "HEAT-BEGIN" in text:
            break
        if re.search(r"BENCHDONE|DPMEM-GUEST-EXIT|guest-run: |Kernel panic", text):
            sys.exit("bench-heat: the guest ended before HEAT-BEGIN")
        time.sleep(0.2)
    areas = []
    for path in files:
        ident, m = identify(path), qemu_mapping(path)
        if ident and m:
            areas.append(Area(path, ident[0], ident[1], ident[2], *m))
    if not areas:
        sys.exit("bench-heat: no nvdimm with a known info block mapped by QEMU")
    pid = areas[0].pid
    pagemap = open("/proc/%d/pagemap" % pid, "rb")
    kflags = open("/proc/kpageflags", "rb")
    for a in areas:
        a.clean()
    t0, samples = time.monotonic(), 0
    while True:
        time.sleep(interval)
        text = open(console, errors="replace").read()
        done = re.search(r"HEAT-END|BENCHDONE|DPMEM-GUEST-EXIT", text) is not None
        try:
            for a in areas:
                a.sample(pagemap, kflags)
        except OSError:
            break  # QEMU exited
        samples += 1
        if done:
            break
    secs = time.monotonic() - t0
    for a in areas:
        c = sorted(a.counts.values())
        blocks = {}
        for p, n in a.counts.items():
            blocks[p // 512] = max(blocks.get(p // 512, 0), n)
        b = sorted(blocks.values())
        print(json.dumps({
            "large_folios": a.large, "area_2m_blocks": -(-a.pages // 512),
            "written_2m_blocks": len(b), "max_2m": b[-1] if b else 0,
            "block_intervals": sum(b),
            "driver": a.driver, "placement": a.placement, "area_pages": a.pages,
            "written_pages": len(c), "page_intervals": sum(c), "max": c[-1] if c else 0,
            "median_written": c[len(c) // 2] if c else 0, "intervals": samples,
            "interval_s": interval, "seconds": round(secs, 1)}))


main()
