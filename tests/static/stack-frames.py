#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# No function of dpmem.ko reserves a stack frame larger than the kernel's
# CONFIG_FRAME_WARN default for 64-bit (2048 bytes): the kernel stack is
# 16 KiB and Rust code gets no -Wframe-larger-than. Reads the frame sizes
# from the `sub $N, %rsp` prologues in llvm-objdump's disassembly.
#
# usage: stack-frames.py MODULE.ko [LIMIT]
import re
import subprocess
import sys

ko = sys.argv[1]
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 2048
out = subprocess.run(["llvm-objdump", "-d", "--no-show-raw-insn", ko],
                     capture_output=True, text=True, check=True).stdout
fn, frames = None, {}
for line in out.splitlines():
    m = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
    if m:
        fn = m.group(1)
        continue
    # Decimal (LLVM 14) or hex (newer llvm-objdump) immediates.
    m = re.search(r"\bsubq?\s+\$(0x[0-9a-f]+|\d+),\s*%rsp", line)
    if m and fn:
        frames[fn] = max(frames.get(fn, 0), int(m.group(1), 0))
if not frames:
    print("MISSING: no stack frames found in %s" % ko)
    sys.exit(1)
big = sorted(((n, f) for f, n in frames.items() if n > limit), reverse=True)
for n, f in big:
    print("TOO BIG: %d bytes: %s" % (n, f))
print("ok: %d functions, largest frame %d bytes (limit %d)"
      % (len(frames), max(frames.values()), limit))
sys.exit(1 if big else 0)
