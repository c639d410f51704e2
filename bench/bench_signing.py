"""What signing costs per decision: the pipeline unsigned vs signed, in one run.

Copies examples/clean into N epics (1x = 10, 10x = 100) and decides every
epic in-process with ``process_epic``: once without a trust anchor, once with
an Ed25519 key and an allowed_signers anchor (every log entry, output, handoff
and journal signed; every guardian entry verified when read). Reports the
median per-decision time of each and the difference, the primitive costs
(one SSHSIG sign, one verify), peak RSS, and, as the peer, the cost of
signing one entry by running ``ssh-keygen -Y sign`` instead.

    .venv/bin/python bench/bench_signing.py [--epics 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SIGNATURES = [0]  # detached .sig files and signed log entries after the last run (journals not counted)


def _keys(base: Path) -> tuple[Path, Path]:
    key = base / "guardians"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "guardians", "-f", str(key)], check=True)
    pub = " ".join(key.with_name("guardians.pub").read_text().split()[:2])
    allowed = base / "allowed_signers"
    allowed.write_text(f'guardians namespaces="guardians-decision" {pub}\n')
    return key, allowed


def _root(base: Path, epics: int) -> Path:
    root = base / "root"
    src = REPO / "examples" / "clean" / "docs" / "specs" / "epic_1"
    for n in range(1, epics + 1):
        dst = root / "docs" / "specs" / f"epic_{n}"
        shutil.copytree(src, dst)
        for path in dst.rglob("*"):
            if path.is_file() and path.suffix in (".json", ".yaml"):
                path.write_text(path.read_text().replace("epic_1", f"epic_{n}"))
        impl = dst / "consensus" / "artifacts" / "implementation.json"
        impl.write_text(impl.read_text().replace("docs/specs/epic_1/", f"docs/specs/epic_{n}/"))
        for path in dst.rglob("*"):
            os.utime(path, (1, 1))  # long settled: decided at once, as if delivered with `guardians send`
    return root


def _run(base: Path, epics: int, trust: object) -> tuple[float, float, int]:
    """(wall s, CPU s) per decision for one full pass over ``epics`` fresh epics.

    CPU time is what signing costs; wall time adds the fsyncs, which on a
    shared machine vary far more than the signing itself.
    """
    from guardians.engine.commit import process_epic
    from guardians.store.layout import select_epics

    root = _root(base, epics)
    decisions = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for epic in select_epics(root, []):
        decisions += len(process_epic(epic, trust=trust).decisions)  # type: ignore[arg-type]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    SIGNATURES[0] = len(list(root.rglob("*.sig"))) + sum(
        log.read_text().count('"sig":') for log in root.rglob("decision_log.jsonl")
    )
    shutil.rmtree(root)
    n = max(decisions, 1)
    return wall / n, cpu / n, decisions


def _primitives(key: Path, allowed: Path, n: int = 2000) -> tuple[float, float, float]:
    from guardians.trust.allowed_signers import parse_allowed_signers
    from guardians.trust.keys import load_signer

    signer = load_signer(key)
    anchor = parse_allowed_signers(allowed.read_text(), "bench")
    message = b"0" * 64
    t = time.process_time()
    for _ in range(n):
        sig = signer.sign(message, "guardians-decision")
    sign = (time.process_time() - t) / n
    t = time.process_time()
    for _ in range(n):
        anchor.verify(sig, message, "guardians-decision")
    verify = (time.process_time() - t) / n
    data = key.parent / "entry.txt"
    data.write_bytes(message)
    runs = 20
    t = time.perf_counter()
    for _ in range(runs):
        subprocess.run(
            ["ssh-keygen", "-Y", "sign", "-q", "-f", str(key), "-n", "guardians-decision", str(data)],
            check=True,
            capture_output=True,
        )
        data.with_name("entry.txt.sig").unlink()
    peer = (time.perf_counter() - t) / runs
    return sign, verify, peer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epics", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from guardians.trust.allowed_signers import parse_allowed_signers
    from guardians.trust.anchor import UNKEYED, Trust
    from guardians.trust.keys import load_signer

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        key, allowed = _keys(base)
        keyed = Trust(parse_allowed_signers(allowed.read_text(), str(allowed)), load_signer(key))
        sign, verify, peer = _primitives(key, allowed)
        print(
            f"primitives (CPU): SSHSIG sign {sign * 1e6:.0f} us, verify {verify * 1e6:.0f} us; "
            f"peer: one `ssh-keygen -Y sign` process {peer * 1e3:.1f} ms wall"
        )
        for scale in (1, 10):
            epics = args.epics * scale
            runs: dict[str, list[tuple[float, float]]] = {"unsigned": [], "signed": []}
            decisions = 0
            for _ in range(args.rounds):  # interleaved, so drift hits both alike
                for name, trust in (("unsigned", UNKEYED), ("signed", keyed)):
                    wall, cpu, decisions = _run(base, epics, trust)
                    runs[name].append((wall, cpu))
            (pw, pc), (sw, sc) = (
                (statistics.median(w for w, _ in runs[k]), statistics.median(c for _, c in runs[k]))
                for k in ("unsigned", "signed")
            )
            print(
                f"{scale:>2}x ({epics} epics, {decisions} decisions): CPU unsigned {pc * 1e3:.2f} ms/decision, "
                f"signed {sc * 1e3:.2f}, signing adds {(sc - pc) * 1e3:.2f} ms CPU; "
                f"wall {pw * 1e3:.2f} vs {sw * 1e3:.2f} ms/decision; "
                f"{SIGNATURES[0] / max(decisions, 1) + 1:.1f} signatures/decision (with the journal's)"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
