"""FHIR R4 Bundle output against plain JSON output, at the 10,000-patient scale.

10,000 synthetic subscribers (ten times a large clinic's night batch; each
with active coverage, a paired deductible and out-of-pocket, a copay, a
co-insurance, a W-network visit limit and a MSG line) are normalized and gated
once, as 271s of 100 subscribers each (the normalizer is not what is measured
here), and all their results go into one Bundle. Then, in the same run and on
the same results, the benchmark times the two outputs a caller can ask for:

- ``json``: the JSON array ``eligate normalize`` prints (the baseline);
- ``fhir build``: ``to_bundle`` + canonical text (no model check);
- ``fhir validate``: the R4B model check of that Bundle;
- ``fhir total``: ``render_bundle`` as the CLI and HTTP routes run it.

Best and median of ``BENCH_REPEATS`` (default 3) passes; the model check and
the total, which take minutes at this scale, run ``BENCH_SLOW_REPEATS`` (default
1) times. Run with ``make bench-fhir``; ``BENCH_PATIENTS`` changes the scale.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence

from pydantic import TypeAdapter

from eligate.fhir import bundle_json, render_bundle, to_bundle, validate_bundle
from eligate.normalizer import EligibilityResult, normalize
from eligate.validators import gate

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "10000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
SLOW_REPEATS = int(os.environ.get("BENCH_SLOW_REPEATS", "1"))
PER_271 = 100
_RESULTS = TypeAdapter(list[EligibilityResult])


def big_271(patients: int, first: int = 0) -> bytes:
    """One interchange with ``patients`` synthetic subscribers under one payer and provider."""
    segments = [
        "ST*271*0001*005010X279A1",
        "BHT*0022*11*SYNBENCH*20240315*0930",
        "HL*1**20*1",
        "NM1*PR*2*SYNTHETIC PLAN*****PI*SYN01",
        "HL*2*1*21*1",
        "NM1*1P*2*SAMPLE CLINIC*****XX*1999999984",
    ]
    for n in range(first, first + patients):
        hl = 3 + n - first
        segments += [
            f"HL*{hl}*2*22*0",
            "TRN*2*SYNTRACE*9SYNBENCH",
            f"NM1*IL*1*TESTPATIENT*ALEX{n % 97}****MI*SYN{n:06d}",
            "DMG*D8*19800229*F",
            "DTP*346*D8*20240101",
            "EB*1*IND*30*PR*GOLD PPO",
            "EB*C*IND*30***23*2500.00*****Y",
            f"EB*C*IND*30***29*{n % 2500}.23*****Y",
            "EB*G*FAM*30***23*6000*****Y",
            "EB*G*FAM*30***29*4595.00*****Y",
            "EB*B*IND*98***27*25*****Y",
            "EB*A*IND*98****0.2****N",
            "EB*F*IND*33***23***VS*20**W",
            "MSG*Visits combined in and out of network",
        ]
    segments.append(f"SE*{len(segments) + 1}*0001")
    lines = [
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240315*0930*^*00501"
        "*000000001*0*P*:",
        "GS*HB*SENDER*RECEIVER*20240315*0930*1*X*005010X279A1",
        *segments,
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return ("~\n".join(lines) + "~\n").encode()


def _timed(
    label: str, call: Callable[[], object], baseline: float | None, repeats: int = REPEATS
) -> float:
    times: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    best, median = min(times), statistics.median(times)
    ratio = f"  x{best / baseline:5.1f} json" if baseline else ""
    print(
        f"  {label:<15} best {best:7.2f} s  median {median:7.2f} s  "
        f"{PATIENTS / best:8.0f} patients/s{ratio}"
    )
    return best


def main() -> int:
    """Generate, normalize once, then time JSON and FHIR output side by side."""
    raws = [big_271(min(PER_271, PATIENTS - n), n) for n in range(0, PATIENTS, PER_271)]
    size = sum(len(raw) for raw in raws) / 1e6
    print(f"input: {len(raws)} synthetic 271s, {PATIENTS} subscribers, {size:.1f} MB")
    started = time.perf_counter()
    results: Sequence[EligibilityResult] = [r for raw in raws for r in gate(normalize(raw), raw)]
    print(f"normalize + gate (once): {time.perf_counter() - started:.2f} s, {len(results)} results")
    bundle = to_bundle(results)
    text = bundle_json(bundle)
    json_text = _RESULTS.dump_json(list(results), indent=2)
    print(f"output size: json {len(json_text) / 1e6:.1f} MB, fhir {len(text) / 1e6:.1f} MB "
          f"({len(bundle['entry'])} entries)")  # fmt: skip
    print(f"passes: {REPEATS} (model check and total: {SLOW_REPEATS}), same process and results")
    baseline = _timed("json", lambda: _RESULTS.dump_json(list(results), indent=2), None)
    _timed("fhir build", lambda: bundle_json(to_bundle(results)), baseline)
    _timed("fhir validate", lambda: validate_bundle(bundle), baseline, SLOW_REPEATS)
    _timed("fhir total", lambda: render_bundle(results), baseline, SLOW_REPEATS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
