"""DX answers store their pre-fill note as a msgid and parameters (core.notes), rendered in
the reader's language, like alerts; the English copy (data_note_en) goes. Answers already
pre-filled get their msgid and parameters back from their Vietnamese text when it matches
one of the notes below (the pre-fill notes as of this migration); the others keep showing
their stored text."""

import re

from django.db import migrations, models

NOTES = [
    "%(code)s năm %(year)s: %(value)s%%",
    "%(digital)s/%(n)s hồ sơ công việc xử lý trên môi trường số năm học %(sy)s",
    "%(issued)s/%(students)s học sinh có học bạ số năm học %(sy)s",
    "%(k)s/%(n)s giáo viên có tài khoản tự bồi dưỡng",
    "%(k)s/%(n)s giáo viên dạy lớp trực tuyến năm học %(sy)s",
    "%(k)s/%(n)s học sinh học trực tuyến năm học %(sy)s",
    "%(k)s/%(n)s hồ sơ học sinh, cán bộ có mã định danh",
    "%(k)s/%(n)s khoản thu qua chuyển khoản năm học %(sy)s",
    "%(k)s/%(n)s lớp có bài kiểm tra trực tuyến năm học %(sy)s",
    "%(k)s/%(n)s lớp có lớp học trực tuyến năm học %(sy)s",
    "%(k)s/%(n)s lớp có sổ điểm và điểm danh điện tử năm học %(sy)s",
    "%(k)s/%(n)s lớp dùng sổ liên lạc điện tử năm học %(sy)s",
    "%(k)s/%(n)s thủ tục cung cấp trực tuyến toàn trình",
    "%(k)s/%(n)s trường tuyển sinh đầu cấp trực tuyến trên nền tảng",
    "%(k)s/%(n)s trường đã công bố; bình quân nhóm %(group)s %(mean)s/100",
    "%(k)s/%(n)s tài sản có hồ sơ số, đã kiểm kê năm học %(sy)s",
    "%(num)s/%(den)s tiết có học liệu số",
    "%(rounds)s đợt tuyển sinh trực tuyến (năm học %(years)s)",
    "0 lớp năm học %(sy)s",
    "báo cáo của đơn vị",
    "chưa có đợt tuyển sinh trực tuyến trên nền tảng",
]
NUMBERS = {"value", "mean"}  # written with the Vietnamese decimal comma
TERMS = {"group"}  # "dạy, học" / "quản trị", translated when read
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
COUNTS = {"k", "n", "num", "den", "issued", "students", "digital", "rounds", "year"}


def _group(name: str) -> str:
    if name in COUNTS:
        return rf"(?P<{name}>\d+)"
    if name in NUMBERS:
        return rf"(?P<{name}>-?\d+(?:,\d+)?)"
    return rf"(?P<{name}>.+?)"


def _pattern(msgid: str):
    parts = PLACEHOLDER.split(msgid.replace("%%", "%"))
    regex = "".join(
        re.escape(part) if i % 2 == 0 else _group(part) for i, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


def _param(name: str, text: str):
    if name in NUMBERS:
        return {"num": text.replace(",", "."), "places": None}
    if name in TERMS:
        return {"term": text}
    return text


def recover(apps, schema_editor):
    DxAnswer = apps.get_model("monitoring", "DxAnswer")
    patterns = [(msgid, _pattern(msgid)) for msgid in NOTES]
    changed = []
    for answer in DxAnswer.objects.exclude(data_note="").only("id", "data_note").iterator():
        for msgid, pattern in patterns:
            m = pattern.match(answer.data_note)
            if m:
                answer.data_msgid = msgid
                answer.data_params = {k: _param(k, v) for k, v in m.groupdict().items()}
                changed.append(answer)
                break
    DxAnswer.objects.bulk_update(changed, ["data_msgid", "data_params"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0008_dxanswer_note_en"),
    ]

    operations = [
        migrations.AddField(
            model_name="dxanswer",
            name="data_msgid",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="dxanswer",
            name="data_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(recover, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="dxanswer",
            name="data_note_en",
        ),
    ]
