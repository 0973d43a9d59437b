#!/usr/bin/env python3
"""devcmp_check.py OUT_JSON DIR NDEV NIMAGES MAX_ABS MAX_REL [attr]: checks the --json of
`clvis gradcam|saliency --device all`: per image one JSON line per device (files under DIR/dK),
then the comparison object: NDEV devices, NIMAGES * (NDEV - 1) differences, each with the same
class, map (and with `attr` the attribution) max abs <= MAX_ABS and max rel <= MAX_REL, no NaN
on one side only, and its |a-b| picture (a PNG) in DIR. Exit 0 or an assertion."""
import json, os, sys

out, top, nd, ni = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
max_abs, max_rel, attr = float(sys.argv[5]), float(sys.argv[6]), "attr" in sys.argv[7:]
lines = [json.loads(l) for l in open(out) if l.strip()]
cmp = lines[-1]
assert cmp["compare"] == "devices", cmp
assert len(cmp["devices"]) == nd, cmp["devices"]
per_image = lines[:-1]
assert len(per_image) == nd * ni, len(per_image)
for k, d in enumerate(cmp["devices"]):
    assert d["run"] == "d%d" % k and d["out"] == os.path.join(top, "d%d" % k) and d["exit"] == 0
    assert len(d["images"]) == ni, d
    mine = per_image[k * ni:(k + 1) * ni]
    for o in mine:
        for f in o["files"]:
            assert f.startswith(d["out"] + "/") and os.path.getsize(f) > 0, f
diffs = cmp["differences"]
assert len(diffs) == ni * (nd - 1), diffs
for e in diffs:
    assert e["against"] == "d0" and e["same_class"], e
    kinds = ["map"] + (["attr"] if attr else [])
    assert attr == ("attr" in e), e
    for m in kinds:
        d = e[m]
        assert d["nan_one"] == 0 and d["max_abs"] is not None, e
        assert d["max_abs"] <= max_abs and d["max_rel"] <= max_rel, (m, d)
    with open(e["file"], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n", e["file"]
    assert os.path.dirname(e["file"]) == top.rstrip("/"), e["file"]
