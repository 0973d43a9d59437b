#!/usr/bin/env python3
"""metric_table.py FILE...: the README's metric table from `clvis evaluate --json` lines (one
object per image and method) and `clvis gradcam --method ... --metric ... --json` comparison
records: per method, the mean of each metric over its records (an image judged twice counts twice), as a Markdown
table (methods in the order first seen, metrics in the order of the first record).
Standard library only; clvis never needs it.

    build/clvis evaluate --json --method ... --metric ... samples/* > eval.jsonl
    python3 tools/metric_table.py eval.jsonl [grid.jsonl]
"""
import json
import sys


def main(paths):
    scores, order, metrics, images = {}, [], [], {}
    for p in paths:
        for line in open(p):
            line = line.strip()
            if not line.startswith("{"):
                continue
            o = json.loads(line)
            if "metrics" in o and "method" in o:  # evaluate
                rows = [(o["method"], o["metrics"], o["path"])]
            elif "comparison" in o:  # gradcam's comparison record
                rows = [(m["variant"], m["metric"], o["path"]) for m in o["methods"] if m.get("metric")]
            else:
                continue
            for method, ms, path in rows:
                if method not in scores:
                    scores[method] = {}
                    order.append(method)
                for k, v in ms.items():
                    if k not in metrics:
                        metrics.append(k)
                    scores[method].setdefault(k, []).append(v)
                images[method] = images.get(method, 0) + 1
    print("| method | records | " + " | ".join(metrics) + " |")
    print("|---|---|" + "---|" * len(metrics))
    for m in order:
        cells = []
        for k in metrics:
            v = scores[m].get(k)
            cells.append("%.4g" % (sum(v) / len(v)) if v else "")
        print("| %s | %d | %s |" % (m, images[m], " | ".join(cells)))


if __name__ == "__main__":
    main(sys.argv[1:])
