"""`make bench`: run every benchmark; each prints its BENCH lines with an anchor measured in the same run."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    "bench_ingest.py",
    "bench_explain.py",
    "bench_explain_tree_ensemble.py",
    "bench_explain_vs_shap_dice.py",
    "bench_explanation_page.py",
    "bench_explanation_pdf.py",
    "bench_letter_pdf.py",
    "bench_reviewer_queue.py",
    "bench_take_next.py",
    "bench_dashboard.py",
    "bench_rollup_refresh.py",
]


def main() -> int:
    failed = []
    for name in BENCHES:
        path = HERE / name
        if not path.exists():
            continue
        print(f"# {name}", flush=True)
        if subprocess.run([sys.executable, str(path)], cwd=HERE.parent).returncode != 0:
            failed.append(name)
    if failed:
        print(f"# failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
