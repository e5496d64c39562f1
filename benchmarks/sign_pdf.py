"""PDF signing: N one-page Vietnamese transcripts (14 subject rows, two signature slots, a QR
code), each rendered with `core.pdf.render_document` then signed by the homeroom teacher
and the principal with `core.signing.sign_pdf` (PAdES B-B, two incremental updates).
Side B, the baseline, renders the same documents without signing them. One process, one
core: prints documents/s for both sides, the ratio, and the milliseconds each part costs
(render, first signature, second signature, and `verify_pdf` of the result).

    .venv/bin/python benchmarks/sign_pdf.py --docs 200

The demo PKI goes into a temporary folder (keys made once, outside the timed loops).
Target for the transcripts benchmark: at least 20 signed transcripts/s per core."""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")

import django  # noqa: E402

django.setup()

from edudx.core.pdf import DocumentSpec, SignatureSlot, render_document  # noqa: E402
from edudx.core.signing import demo_ca_ensure, sign_pdf, verify_pdf  # noqa: E402

SUBJECTS = [
    "Toán",
    "Ngữ văn",
    "Tiếng Anh",
    "Giáo dục công dân",
    "Lịch sử và Địa lý",
    "Khoa học tự nhiên",
    "Công nghệ",
    "Tin học",
    "Giáo dục thể chất",
    "Nghệ thuật",
    "Hoạt động trải nghiệm, hướng nghiệp",
    "Nội dung giáo dục của địa phương",
    "Tiếng Ê Đê",
    "Tự chọn",
]


def spec(i: int) -> DocumentSpec:
    ref = f"HB-2025-{i:06d}"
    rows = [["Môn học", "Học kỳ I", "Học kỳ II", "Cả năm", "Nhận xét"]]
    rows += [
        [s, f"{(i + k) % 4 + 6},5", f"{(i * k) % 4 + 6},0", "7,8", "Tiến bộ, chăm chỉ"]
        for k, s in enumerate(SUBJECTS)
    ]
    return DocumentSpec(
        title="HỌC BẠ SỐ — NĂM HỌC 2024-2025",
        issuer_lines=["UBND XÃ ĐẮK SONG", "TRƯỜNG THCS NGUYỄN TRÃI"],
        place_date="Đắk Song, ngày 31 tháng 5 năm 2025",
        subtitle_lines=["Lớp 8A"],
        paragraphs=[f"Họ và tên học sinh: Nguyễn Thị Ánh Tuyết {i}", "Ngày sinh: 04/05/2011"],
        table=rows,
        col_widths=[0.3, 0.11, 0.11, 0.11, 0.37],
        signatures=[
            SignatureSlot("homeroom", "GIÁO VIÊN CHỦ NHIỆM", "Trần Văn Bình"),
            SignatureSlot("principal", "HIỆU TRƯỞNG", "Lê Thị Hồng Nhung"),
        ],
        reference=ref,
        verify_url=f"https://edudx.example.vn/xac-thuc/{ref}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--verify", type=int, default=50, help="documents to verify")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        pki = demo_ca_ensure(Path(tmp) / "pki")
        teacher = pki.signer("gv", common_name="Trần Văn Bình", organization="THCS Nguyễn Trãi")
        principal = pki.signer("ht", common_name="Lê Thị Hồng Nhung", organization="THCS NT")
        specs = [spec(i) for i in range(args.docs)]
        # Warm up: fonts registered, signers' container sizes measured, code paths loaded.
        first = render_document(specs[0])
        sign_pdf(first.data, signer=teacher, field_name="homeroom")
        sign_pdf(first.data, signer=principal, field_name="principal")

        cpu0, t0 = time.process_time(), time.perf_counter()
        for s in specs:
            render_document(s)
        base_wall, base_cpu = time.perf_counter() - t0, time.process_time() - cpu0

        render_ms, sign1_ms, sign2_ms, signed = [], [], [], []
        cpu0, t0 = time.process_time(), time.perf_counter()
        for s in specs:
            a = time.perf_counter()
            doc = render_document(s)
            b = time.perf_counter()
            once = sign_pdf(
                doc.data,
                signer=teacher,
                field_name="homeroom",
                reason="Giáo viên chủ nhiệm xác nhận",
                location="Đắk Song",
                box=doc.signature_boxes["homeroom"],
            )
            c = time.perf_counter()
            twice = sign_pdf(
                once,
                signer=principal,
                field_name="principal",
                reason="Hiệu trưởng phê duyệt",
                location="Đắk Song",
                box=doc.signature_boxes["principal"],
            )
            d = time.perf_counter()
            render_ms.append((b - a) * 1000)
            sign1_ms.append((c - b) * 1000)
            sign2_ms.append((d - c) * 1000)
            signed.append(twice)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0

        verify_ms = []
        for data in signed[: args.verify]:
            a = time.perf_counter()
            result = verify_pdf(data, trust_roots=[pki.root_cert])
            verify_ms.append((time.perf_counter() - a) * 1000)
            assert result.authentic, result

    n = args.docs
    med = statistics.median
    print(f"{n} transcripts, one process")
    print(f"{'':34}{'docs/s (wall)':>14}{'docs/s (CPU)':>14}")
    print(f"{'B: render only (baseline)':34}{n / base_wall:>14.1f}{n / base_cpu:>14.1f}")
    print(f"{'A: render + 2 PAdES signatures':34}{n / wall:>14.1f}{n / cpu:>14.1f}")
    print(f"{'A / B':34}{(n / wall) / (n / base_wall):>14.2f}{(n / cpu) / (n / base_cpu):>14.2f}")
    print(
        f"median ms: render {med(render_ms):.1f}, teacher's signature {med(sign1_ms):.1f}, "
        f"principal's signature {med(sign2_ms):.1f}, verify both {med(verify_ms):.1f}"
    )
    print(f"size: {len(signed[-1]):,} bytes signed twice")


if __name__ == "__main__":
    main()
