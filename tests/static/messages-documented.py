#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Every error and warning the driver logs (ns_log! at Err/Warning,
# pr_err!/pr_warn!) is explained in the admin guide's troubleshooting
# section: the longest literal part of each message must appear there.
# Prints one line per message; exits 1 if any is missing.
import re, sys, glob
guide = open("Documentation/admin-guide/dpmem.rst").read()
src = "".join(open(f).read() for f in sorted(glob.glob("drivers/nvdimm/dpmem/**/*.rs", recursive=True))
              if "/kunit/" not in f)
pat = re.compile(r'(?:ns_log!\(\s*[\w.&]+,\s*(?:Err|Warning),|pr_(?:err|warn)!\()\s*"((?:[^"\\]|\\.)*)"', re.S)
missing = 0
for m in pat.finditer(src):
    msg = m.group(1).replace("\\n", "")
    parts = [p.strip(" ,:;") for p in re.split(r"\{[^}]*\}", msg)]
    frag = max(parts, key=len)
    if frag in guide:
        print("ok %s" % frag)
    else:
        print("MISSING %s" % frag); missing += 1
sys.exit(1 if missing else 0)
