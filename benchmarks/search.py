"""Repository search: 200,000 resources (metadata + text) and 1,000 varied queries, through
the platform's selector `content.selectors.resource_search` (scope filter, optional subject /
grade / type filters, the engine's full-text index, ranked, first page of 20), against a
baseline in the same run: the same filters and a plain `LIKE '%word%'` scan of the same
folded columns (first 20 by date), i.e. what a search without a full-text index does.

    .venv/bin/python benchmarks/search.py                      # SQLite (FTS5)
    .venv/bin/python benchmarks/search.py --database-url postgres://postgres@127.0.0.1:5432/edudx_bench_search

Queries: 1–3 words drawn Zipf-like from the corpus vocabulary, half typed without
diacritics, one in ten with a partial last word, and a filter on subject, grade or type in
about half of them. The baseline runs every `--baseline-every`-th query (default 5, i.e. 200
queries; a LIKE scan of 200,000 rows is slow) and the ratio compares medians over the same
queries. Target: platform p95 under 50 ms. Prints p50/p95/max for both."""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
TMP = tempfile.TemporaryDirectory(prefix="edudx-bench-search-")
parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--resources", type=int, default=200_000)
parser.add_argument("--queries", type=int, default=1000)
parser.add_argument("--baseline-every", type=int, default=5)
parser.add_argument("--database-url", default=f"sqlite:///{TMP.name}/bench.sqlite3")
parser.add_argument("--seed", type=int, default=7)
parser.add_argument(
    "--reuse",
    action="store_true",
    help="keep an already indexed database (same --resources) instead of rebuilding it",
)
parser.add_argument("--explain", type=int, default=0, help="print the plans of the N slowest")
ARGS = parser.parse_args()
os.environ["EDUDX_VAR_DIR"] = TMP.name
os.environ["EDUDX_DATABASE_URL"] = ARGS.database_url
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from edudx.accounts.models import Role, RoleAssignment, User  # noqa: E402
from edudx.content import search, selectors  # noqa: E402
from edudx.content.models import Resource, ResourceType  # noqa: E402
from edudx.core.text import fold  # noqa: E402
from edudx.org import services as org_services  # noqa: E402
from edudx.org.models import OrgUnit, UnitKind, ancestor_paths  # noqa: E402
from edudx.records.models import CurriculumSubject  # noqa: E402

WORDS = (
    "phân số số nguyên số thập phân phép cộng phép trừ phép nhân phép chia hình tam giác "
    "hình vuông hình chữ nhật hình tròn chu vi diện tích thể tích biểu đồ thống kê xác suất "
    "góc đường thẳng đoạn thẳng tia điểm trục đối xứng tâm ước bội chia hết số nguyên tố "
    "thơ lục bát truyện cổ tích truyền thuyết văn bản nghị luận thông tin kí hồi kí du kí "
    "từ láy từ ghép ẩn dụ hoán dụ so sánh nhân hóa dấu câu đoạn văn bài văn kể chuyện miêu tả "
    "tả cảnh biên bản trải nghiệm đọc hiểu chính tả tập làm văn luyện từ và câu âm vần tiếng "
    "lực chuyển động năng lượng ánh sáng âm thanh điện từ trường tế bào sinh vật môi trường "
    "hệ mặt trời trái đất khí hậu bản đồ dân cư lịch sử việt nam văn minh cổ đại chiến tranh "
    "máy tính thuật toán lập trình dữ liệu mạng internet an toàn thông tin bài giảng video "
    "bài tập ôn tập kiểm tra đề thi phiếu học tập thí nghiệm mô phỏng trò chơi học tập "
    "bài học chương một hai ba bốn năm sáu bảy tám chín mười"
).split()
SYLLABLES = sorted(set(WORDS))


def zipf_word(rng: random.Random) -> str:
    # Rank r is picked with probability ~ 1/r: a few common syllables, a long tail.
    r = int(len(SYLLABLES) ** rng.random()) - 1
    return SYLLABLES[max(0, min(r, len(SYLLABLES) - 1))]


def phrase(rng: random.Random, n: int) -> str:
    return " ".join(zipf_word(rng) for _ in range(n))


def facets_of(r: Resource, scope_unit) -> str:
    """As `content.services.search_facets` writes them (without its per-row queries)."""
    ups = ANCESTORS[scope_unit.pk]
    return " ".join(
        [f"j{r.subject_id}", f"g{r.grade}", f"y{r.type}", f"l{r.language}", "pub"]
        + [f"s{scope_unit.pk}"]
        + [f"a{i}" for i in ups]
    )


ANCESTORS: dict[int, list[int]] = {}


def build(n: int, rng: random.Random) -> tuple[User, list[int]]:
    call_command("migrate", verbosity=0)
    if ARGS.reuse and Resource.objects.count() == n:
        print(f"reusing {n:,} indexed resources ({connection.vendor})")
        reader = User.objects.get(username="reader")
        subjects = CurriculumSubject.objects.filter(grade__in=range(6, 10))
        return reader, [cs.subject_id for cs in subjects]
    if Resource.objects.exists():
        sys.exit("the database already holds resources: give an empty one, or --reuse")
    ministry = org_services.unit_create(actor=None, kind=UnitKind.MINISTRY, name="Bộ")
    province = org_services.unit_create(
        actor=None, kind=UnitKind.PROVINCE, name="Tỉnh", code="67", parent=ministry
    )
    commune = org_services.unit_create(
        actor=None, kind=UnitKind.COMMUNE, name="Xã", code="24730", parent=province
    )
    schools = [
        org_services.school_create(
            actor=None,
            name=f"Trường THCS số {i}",
            code=f"6700{i:04d}",
            parent=commune,
            level="lower_secondary",
        ).unit
        for i in range(1, 21)
    ]
    for unit in [province, *schools]:
        ANCESTORS[unit.pk] = list(
            OrgUnit.objects.filter(path__in=ancestor_paths(unit.path)).values_list("pk", flat=True)
        )
    reader = User.objects.create(username="reader")
    RoleAssignment.objects.create(user=reader, role=Role.PRINCIPAL, unit=schools[0])
    subjects = list(CurriculumSubject.objects.filter(grade__in=range(6, 10)))
    types = [t for t in ResourceType.values if t != "link"]
    now = timezone.now()
    t0 = time.perf_counter()
    batch: list[Resource] = []
    for i in range(n):
        cs = subjects[i % len(subjects)]
        title = phrase(rng, rng.randint(3, 7)).capitalize()
        description = phrase(rng, rng.randint(10, 30))
        body = phrase(rng, rng.randint(30, 90))
        school = schools[i % len(schools)]
        # Most published at province scope (visible to the reader), some at other schools.
        scope_unit = province if i % 4 else school
        r = Resource(
            title=title,
            description=description,
            body=body,
            type=types[i % len(types)],
            subject_id=cs.subject_id,
            grade=cs.grade,
            licence="cc-by",
            author="Tác giả",
            school=school,
            status="published",
            scope="province" if scope_unit is province else "school",
            scope_unit=scope_unit,
            published_at=now,
            search_title=fold(title),
            search_text=fold(f"{description} {body} Tác giả"),
        )
        r.search_facets = facets_of(r, scope_unit)
        batch.append(r)
        if len(batch) == 5000:
            Resource.objects.bulk_create(batch)
            batch = []
    if batch:
        Resource.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE content_resource")
    else:
        with connection.cursor() as c:
            c.execute("ANALYZE")
    print(f"indexed {n:,} resources in {time.perf_counter() - t0:.1f} s ({connection.vendor})")
    return reader, [cs.subject_id for cs in subjects]


def queries(k: int, rng: random.Random, subject_ids: list[int]) -> list[dict]:
    out = []
    for _ in range(k):
        text = phrase(rng, rng.choice([1, 1, 2, 2, 2, 3]))
        if rng.random() < 0.5:
            text = fold(text)
        if rng.random() < 0.1 and len(text) > 3:
            text = text[:-1]
        f: dict = {"q": text}
        roll = rng.random()
        if roll < 0.2:
            f["subject_id"] = rng.choice(subject_ids)
        elif roll < 0.35:
            f["grade"] = rng.randint(6, 9)
        elif roll < 0.5:
            f["type"] = rng.choice(["document", "video", "electure"])
        out.append(f)
    return out


def platform(reader, f: dict) -> list[int]:
    return [r.pk for r in selectors.resource_search(actor=reader, **f)[:20]]


def baseline(reader, f: dict) -> list[int]:
    qs = Resource.objects.filter(status="published").filter(selectors.published_q(reader))
    for key in ("subject_id", "grade", "type"):
        if key in f:
            qs = qs.filter(**{key: f[key]})
    return [r.pk for r in search.like_scan(qs, f["q"])[:20]]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def main() -> None:
    rng = random.Random(ARGS.seed)
    reader, subject_ids = build(ARGS.resources, rng)
    # Queries from their own generator, so a reused database gets the same queries.
    qs = queries(ARGS.queries, random.Random(ARGS.seed + 1), subject_ids)
    for f in qs[:20]:  # warm caches
        platform(reader, f)
    times, base_times, paired, hits = [], [], [], 0
    for i, f in enumerate(qs):
        t = time.perf_counter()
        got = platform(reader, f)
        dt_ms = (time.perf_counter() - t) * 1000
        times.append(dt_ms)
        hits += bool(got)
        if i % ARGS.baseline_every == 0:
            t = time.perf_counter()
            baseline(reader, f)
            b_ms = (time.perf_counter() - t) * 1000
            base_times.append(b_ms)
            paired.append(dt_ms)
    print(f"queries: {len(qs)} ({hits} with results); baseline on {len(base_times)} of them")
    print(
        f"platform (full-text, ranked): p50 {statistics.median(times):.1f} ms, "
        f"p95 {pct(times, 0.95):.1f} ms, max {max(times):.1f} ms"
    )
    print(
        f"baseline (LIKE scan):         p50 {statistics.median(base_times):.1f} ms, "
        f"p95 {pct(base_times, 0.95):.1f} ms, max {max(base_times):.1f} ms"
    )
    print(
        f"ratio of medians on the same queries: baseline / platform = "
        f"{statistics.median(base_times) / statistics.median(paired):.1f}×"
    )
    print(f"target p95 < 50 ms: {'met' if pct(times, 0.95) < 50 else 'NOT met'}")
    if ARGS.explain:
        explain(reader, qs, times, ARGS.explain)


def explain(reader, qs: list[dict], times: list[float], n: int) -> None:
    """The N slowest queries again, each statement they ran with its time."""
    slowest = sorted(range(len(qs)), key=lambda i: times[i], reverse=True)[:n]
    for i in slowest:
        ran: list[tuple[float, str, object]] = []

        def record(execute, sql, params, many, context, ran=ran):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                ran.append(((time.perf_counter() - t) * 1000, sql, params))

        with connection.execute_wrapper(record):
            t = time.perf_counter()
            platform(reader, qs[i])
            again = (time.perf_counter() - t) * 1000
        print(f"\n{qs[i]}: {times[i]:.1f} ms in the run, {again:.1f} ms again")
        for ms, sql, params in ran:
            print(f"  {ms:7.1f} ms  {' '.join(sql.split())[:300]}  {str(params)[:120]}")


if __name__ == "__main__":
    main()
