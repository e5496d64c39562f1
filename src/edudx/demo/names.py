"""Name data for the demo district: Kinh (Vietnamese) names with realistic family-name
frequencies, and names of the ethnic minorities of Đắk Nông (M'Nông, Mạ, Ê-đê and the Tày,
Nùng, Mông and Dao who settled there from the northern uplands).

Everything here is pure data plus small functions that draw from a `random.Random` passed
in, so a fixed seed gives the same names every run."""

import random
from dataclasses import dataclass, field

# Kinh family names with approximate national frequencies (per cent).
KINH_FAMILY: list[tuple[str, float]] = [
    ("Nguyễn", 38.0),
    ("Trần", 11.0),
    ("Lê", 9.5),
    ("Phạm", 7.0),
    ("Hoàng", 3.0),
    ("Huỳnh", 2.1),
    ("Phan", 4.5),
    ("Vũ", 2.0),
    ("Võ", 1.9),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    ("Đinh", 0.9),
    ("Trương", 0.8),
    ("Mai", 0.5),
    ("Đào", 0.5),
    ("Cao", 0.4),
    ("Lương", 0.4),
    ("Hà", 0.4),
    ("Tạ", 0.2),
    ("Lâm", 0.3),
    ("Châu", 0.2),
    ("Kiều", 0.1),
    ("Thái", 0.2),
    ("La", 0.1),
    ("Từ", 0.1),
]

# Middle names. Children born in the 2010s–2020s get more varied middle names than their
# parents, who are mostly Văn / Thị.
KINH_MIDDLE_MALE_ADULT = [
    ("Văn", 60),
    ("Đức", 8),
    ("Minh", 8),
    ("Quang", 5),
    ("Hữu", 5),
    ("Công", 4),
    ("Xuân", 3),
    ("Thanh", 3),
    ("Ngọc", 2),
    ("Trọng", 2),
]
KINH_MIDDLE_FEMALE_ADULT = [
    ("Thị", 75),
    ("Ngọc", 5),
    ("Thu", 4),
    ("Thanh", 4),
    ("Kim", 3),
    ("Thúy", 3),
    ("Hồng", 3),
    ("Minh", 2),
    ("Mỹ", 1),
]
KINH_MIDDLE_MALE_CHILD = [
    ("Văn", 22),
    ("Minh", 15),
    ("Gia", 12),
    ("Đức", 9),
    ("Anh", 6),
    ("Quốc", 6),
    ("Hoàng", 6),
    ("Bảo", 6),
    ("Thành", 5),
    ("Đăng", 4),
    ("Hữu", 4),
    ("Trung", 3),
    ("Tuấn", 2),
]
KINH_MIDDLE_FEMALE_CHILD = [
    ("Thị", 25),
    ("Ngọc", 12),
    ("Bảo", 8),
    ("Khánh", 8),
    ("Gia", 7),
    ("Minh", 7),
    ("Thanh", 6),
    ("Phương", 5),
    ("Thu", 5),
    ("Hoài", 4),
    ("Tường", 3),
    ("Mai", 3),
    ("Diệu", 3),
    ("Kim", 2),
]

KINH_GIVEN_MALE = """An Anh Bảo Bình Cường Công Chiến Dũng Duy Dương Đạt Đăng Định Đông Đức Giang
Hải Hào Hiếu Hiển Hòa Hoàng Hùng Huy Hưng Khang Khải Khánh Khoa Khôi Kiên Lâm Lộc Long Luân
Mạnh Minh Nam Nghĩa Nguyên Nhân Nhật Phát Phong Phúc Phước Quân Quang Quý Sang Sơn Tài Tâm
Tân Thắng Thành Thiện Thịnh Thông Tiến Toàn Trí Trung Trường Tú Tuấn Tùng Vĩnh Việt Vinh
Vũ Vương""".split()
KINH_GIVEN_FEMALE = """An Anh Ánh Châu Chi Diệp Diệu Dung Duyên Giang Hà Hân Hằng Hạnh Hiền
Hoa Hồng Huệ Hương Huyền Khuê Lam Lan Liên Linh Loan Ly Mai My Mỹ Nga Ngân Nghi Ngọc Nguyệt
Nhi Nhung Như Oanh Phương Quyên Quỳnh Tâm Thảo Thơ Thu Thủy Thư Thương Trâm Trang Trinh Tuyết
Uyên Vân Vy Xuân Yến""".split()

# M'Nông (code 20): men "Y …", women "H'…", often with the clan name last; many families in
# Đắk Song write the prefix Điểu / Thị.
MNONG_CLANS = [
    "Mlô",
    "Bdap",
    "Bon",
    "Liêng",
    "Ndu",
    "Jăng",
    "Bkrông",
    "Drang",
    "Tơr",
    "Nơ",
    "Kmăng",
    "Bing",
]
MNONG_GIVEN_MALE = [
    "Bliêng",
    "Nhơ",
    "Thuân",
    "Krông",
    "Bhin",
    "Jôn",
    "Lơi",
    "Dốt",
    "Tiên",
    "Sơn",
    "Ngọc",
    "Đông",
    "Bu",
    "Nam",
    "Kưn",
    "Rang",
    "Brơi",
    "Thoan",
    "Hiêm",
    "Djô",
    "Wơn",
    "Dih",
]
MNONG_GIVEN_FEMALE = [
    "Lan",
    "Bia",
    "Loan",
    "Mai",
    "Duôn",
    "Yơn",
    "Phương",
    "Giang",
    "Hoa",
    "Rin",
    "Blơi",
    "Nhĩ",
    "Ngơi",
    "Điu",
    "Thoa",
    "Mlai",
    "Hiên",
    "Byă",
    "Xuân",
    "Hương",
]
# Ê-đê (code 12): matrilineal clans, name last.
EDE_CLANS = [
    "Niê",
    "Êban",
    "Mlô",
    "Ayun",
    "Byă",
    "Ktla",
    "Adrơng",
    "Buôn Yă",
    "Kbuôr",
    "Hwing",
    "Êya",
    "Knul",
]
EDE_GIVEN_MALE = [
    "Moan",
    "Blin",
    "Tlang",
    "Khoa",
    "Ngông",
    "Yơn",
    "Bhiêr",
    "Ly",
    "Jú",
    "Thuột",
    "Dhăm",
    "Kô",
    "Wai",
    "Suôn",
]
EDE_GIVEN_FEMALE = [
    "Hen",
    "Bia",
    "Lina",
    "Nhuôi",
    "Ruê",
    "Mai",
    "Zơ",
    "Ngơn",
    "Đơ",
    "Yam",
    "Xuân",
    "Loan",
    "Pin",
    "Hđơk",
]
# Mạ (code 28): men "K'…", women "Ka …"; some families use Điểu.
MA_GIVEN_MALE = [
    "Brěl",
    "Bròng",
    "Sơn",
    "Điểu",
    "Lơng",
    "Tiếu",
    "Rai",
    "Kriêng",
    "Ha",
    "Sim",
    "Đăng",
    "Nhung",
]
MA_GIVEN_FEMALE = [
    "Hương",
    "Diêu",
    "Bròng",
    "Hiền",
    "Sen",
    "Thoa",
    "Ngọc",
    "Dồn",
    "Liên",
    "Nhàn",
    "Thị",
    "Hoa",
]
# Mông (code 08): clan first, "A" for men, "Thị" (or "Thị" dropped) for women.
MONG_CLANS = [
    ("Giàng", 20),
    ("Vàng", 18),
    ("Lý", 12),
    ("Sùng", 12),
    ("Thào", 10),
    ("Hầu", 7),
    ("Mùa", 6),
    ("Lầu", 5),
    ("Hờ", 4),
    ("Cứ", 3),
    ("Tráng", 3),
]
MONG_GIVEN_MALE = [
    "Páo",
    "Sính",
    "Chứ",
    "Dính",
    "Chúa",
    "Sủa",
    "Say",
    "Lử",
    "Tủa",
    "Nhìa",
    "Vảng",
    "Khai",
    "Chá",
    "Tếnh",
    "Seo",
    "Pao",
]
MONG_GIVEN_FEMALE = [
    "Mai",
    "Mỷ",
    "Dợ",
    "Pà",
    "Sua",
    "Chía",
    "Dia",
    "Mỵ",
    "Say",
    "Lan",
    "Chi",
    "Máy",
    "Súa",
    "Ly",
]
# Dao (code 09): Triệu, Bàn, Đặng, Chảo … with Văn / Thị or Tòn / Mùi.
DAO_CLANS = [
    ("Triệu", 30),
    ("Bàn", 25),
    ("Đặng", 15),
    ("Lý", 10),
    ("Chảo", 8),
    ("Phùng", 7),
    ("Tẩn", 5),
]
DAO_MIDDLE_MALE = [("Văn", 70), ("Tòn", 15), ("Láo", 10), ("Kim", 5)]
DAO_MIDDLE_FEMALE = [("Thị", 75), ("Mùi", 15), ("Kiều", 10)]
# Tày (02) and Nùng (07): Vietnamese-style names with their own family names.
TAY_FAMILY = [
    ("Hoàng", 20),
    ("Nông", 15),
    ("Lộc", 8),
    ("Hà", 8),
    ("Vi", 7),
    ("Lục", 6),
    ("Đàm", 6),
    ("Ma", 5),
    ("Triệu", 5),
    ("Bế", 5),
    ("Lường", 4),
    ("Lý", 4),
    ("Đinh", 4),
    ("Ngọc", 3),
]
NUNG_FAMILY = [
    ("Hoàng", 18),
    ("Lương", 12),
    ("Nông", 12),
    ("Lâm", 10),
    ("Vi", 8),
    ("Lý", 8),
    ("Mã", 7),
    ("Chu", 6),
    ("Lục", 6),
    ("Sầm", 5),
    ("Tô", 4),
    ("Dương", 4),
]

KINH, TAY, NUNG, MONG, DAO, EDE, MNONG, MA = "01", "02", "07", "08", "09", "12", "20", "28"
# Shares of each minority group among the minority pupils of Đắk Song (illustrative).
MINORITY_MIX = [(MNONG, 35), (MONG, 18), (NUNG, 15), (TAY, 12), (DAO, 8), (EDE, 6), (MA, 6)]
# Minorities whose children take the mother's clan name (matrilineal).
MATRILINEAL = {MNONG, EDE, MA}
# Birth-registration provinces of adults who came from elsewhere (personal ID prefix).
MIGRANT_PROVINCES = {
    KINH: ["034", "036", "038", "040", "042", "049", "051", "035", "030", "066", "068", "001"],
    TAY: ["004", "020", "006", "008"],
    NUNG: ["020", "004", "006", "024"],
    MONG: ["002", "004", "010", "011", "014"],
    DAO: ["002", "004", "008", "006", "020"],
}


def weighted(rng: random.Random, pairs):
    """One value from [(value, weight), ...]."""
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for value, w in pairs:
        x -= w
        if x < 0:
            return value
    return pairs[-1][0]


@dataclass
class Family:
    """What siblings share: ethnicity, the inherited family or clan name, the parents."""

    ethnicity: str
    surname: str
    father: object | None = None
    mother: object | None = None
    years: set = field(default_factory=set)  # birth years of the children so far
    address: str = ""


def family_surname(rng: random.Random, ethnicity: str) -> str:
    if ethnicity == KINH:
        return weighted(rng, KINH_FAMILY)
    if ethnicity == TAY:
        return weighted(rng, TAY_FAMILY)
    if ethnicity == NUNG:
        return weighted(rng, NUNG_FAMILY)
    if ethnicity == MONG:
        return weighted(rng, MONG_CLANS)
    if ethnicity == DAO:
        return weighted(rng, DAO_CLANS)
    if ethnicity == EDE:
        return rng.choice(EDE_CLANS)
    if ethnicity == MNONG:
        return rng.choice(MNONG_CLANS)
    return ""  # Mạ: no inherited name in the demo


def full_name(
    rng: random.Random, ethnicity: str, sex: str, *, surname: str | None = None, child: bool
) -> str:
    """A full name for a person of `ethnicity` and `sex` ('M'/'F'). `surname` is the family
    or clan name to use (a child inherits it); None draws one."""
    male = sex == "M"
    if surname is None:
        surname = family_surname(rng, ethnicity)
    if ethnicity == KINH:
        if child:
            middle = weighted(rng, KINH_MIDDLE_MALE_CHILD if male else KINH_MIDDLE_FEMALE_CHILD)
        else:
            middle = weighted(rng, KINH_MIDDLE_MALE_ADULT if male else KINH_MIDDLE_FEMALE_ADULT)
        given = rng.choice(KINH_GIVEN_MALE if male else KINH_GIVEN_FEMALE)
        if child and rng.random() < 0.12:  # two middle names: "Nguyễn Ngọc Bảo Hân"
            pool = KINH_MIDDLE_MALE_CHILD if male else KINH_MIDDLE_FEMALE_CHILD
            extra = weighted(rng, pool)
            if extra not in (middle, "Văn", "Thị", given):
                return f"{surname} {middle} {extra} {given}"
        return f"{surname} {middle} {given}"
    if ethnicity in (TAY, NUNG):
        middle = "Văn" if male else "Thị"
        if child and rng.random() < 0.4:
            middle = weighted(rng, KINH_MIDDLE_MALE_CHILD if male else KINH_MIDDLE_FEMALE_CHILD)
        return f"{surname} {middle} {rng.choice(KINH_GIVEN_MALE if male else KINH_GIVEN_FEMALE)}"
    if ethnicity == MONG:
        if male:
            return f"{surname} A {rng.choice(MONG_GIVEN_MALE)}"
        return f"{surname} Thị {rng.choice(MONG_GIVEN_FEMALE)}"
    if ethnicity == DAO:
        middle = weighted(rng, DAO_MIDDLE_MALE if male else DAO_MIDDLE_FEMALE)
        pool = KINH_GIVEN_MALE if male else KINH_GIVEN_FEMALE
        return f"{surname} {middle} {rng.choice(pool)}"
    if ethnicity == EDE:
        given = rng.choice(EDE_GIVEN_MALE if male else EDE_GIVEN_FEMALE)
        return f"Y {given} {surname}" if male else f"H'{given} {surname}"
    if ethnicity == MNONG:
        pattern = rng.random()
        if male:
            given = rng.choice(MNONG_GIVEN_MALE)
            if pattern < 0.45:
                return f"Y {given} {surname}"
            if pattern < 0.65:
                return f"Y {given}"
            if pattern < 0.85:
                return f"Điểu {given}"
            return f"Điểu K'{given}"
        given = rng.choice(MNONG_GIVEN_FEMALE)
        if pattern < 0.4:
            return f"H'{given} {surname}"
        if pattern < 0.6:
            return f"Thị {given}"
        if pattern < 0.8:
            return f"Điểu Thị H'{given}"
        return f"Thị H'{given}"
    # Mạ
    if male:
        given = rng.choice(MA_GIVEN_MALE)
        return f"K'{given}" if rng.random() < 0.7 else f"Điểu {given}"
    return f"Ka {rng.choice(MA_GIVEN_FEMALE)}"


# School names (namesakes), by level.
PRESCHOOL_NAMES = """Hoa Sen|Họa Mi|Hoa Mai|Hoa Hồng|Sơn Ca|Hướng Dương|Tuổi Thơ|Vành Khuyên|
Hoa Ban|Hoa Phượng|Bình Minh|Hoa Lan|Ánh Dương|Hoa Cúc|Măng Non|Sao Mai|Hoa Pơ Lang|
Hoa Đào|Hoa Sữa|Thỏ Ngọc|Chim Non|Hoa Ngọc Lan|Tuổi Ngọc|Hoa Anh Đào|Sao Sáng|Hoa Thủy Tiên|
Hoa Dã Quỳ|Hoa Trạng Nguyên|Ngôi Sao|Mầm Xanh|Hoa Bằng Lăng|Hoa Mimosa|Búp Sen Hồng|
Hoa Cà Phê|Vàng Anh|Bông Sen|Hoa Hướng Dương|Tuổi Hồng|Hoa Lê|Hoa Sim""".replace("\n", "")
PRESCHOOL_NAMES = [n.strip() for n in PRESCHOOL_NAMES.split("|") if n.strip()]
PRIMARY_NAMES = """Kim Đồng|Lê Văn Tám|Võ Thị Sáu|Nguyễn Bá Ngọc|Trần Quốc Toản|Lý Tự Trọng|
Nguyễn Văn Trỗi|Nơ Trang Lơng|Lê Lợi|Hai Bà Trưng|Bế Văn Đàn|Phan Đình Giót|La Văn Cầu|
Ngô Gia Tự|Đinh Tiên Hoàng|Lê Đình Chinh|Trần Phú|Hoàng Văn Thụ|Y Jút|Nguyễn Thị Minh Khai|
Tô Hiệu|Võ Văn Kiệt|Nguyễn Viết Xuân|Trần Văn Ơn|Phạm Hồng Thái|Đoàn Thị Điểm|Lê Hồng Phong|
Nguyễn Trung Trực|Hà Huy Tập|Nguyễn Khuyến|Lê Thị Hồng Gấm|Mạc Thị Bưởi|N'Trang Gưh|
Nguyễn Đình Chiểu|Hùng Vương|Ngô Quyền|Tô Vĩnh Diện|Phù Đổng|Võ Nguyên Giáp|Nguyễn Chí Thanh|
Trưng Vương|Cù Chính Lan|Lý Thái Tổ|Trần Bình Trọng|Đinh Bộ Lĩnh|Nguyễn Văn Cừ|Ama Trang Lơng|
Quang Trung|Lê Thánh Tông|Âu Cơ|Nguyễn Huệ|Bùi Thị Xuân|Yết Kiêu|Dã Tượng|Điện Biên""".replace(
    "\n", ""
)
PRIMARY_NAMES = [n.strip() for n in PRIMARY_NAMES.split("|") if n.strip()]
LOWER_SECONDARY_NAMES = """Nguyễn Du|Lê Quý Đôn|Chu Văn An|Phan Bội Châu|Nguyễn Trãi|
Lý Thường Kiệt|Trần Hưng Đạo|Nguyễn Bỉnh Khiêm|Phan Chu Trinh|Lương Thế Vinh|Nguyễn Tất Thành|
Trần Quang Khải|Nguyễn Công Trứ|Hoàng Hoa Thám|Lê Lai|Trần Nhân Tông|Phan Đình Phùng|
Nguyễn Văn Linh|Tôn Đức Thắng|Trần Cao Vân|Nguyễn Thái Học|Lê Duẩn|Huỳnh Thúc Kháng|
Nguyễn Hiền|Lê Văn Hưu|Mạc Đĩnh Chi|Tây Sơn|Nguyễn Trường Tộ|Trần Quốc Tuấn|Phạm Văn Đồng|
Ngô Sĩ Liên|Nguyễn Đức Cảnh|Hồ Tùng Mậu|Lê Anh Xuân|Nguyễn An Ninh|Đào Duy Từ""".replace("\n", "")
LOWER_SECONDARY_NAMES = [n.strip() for n in LOWER_SECONDARY_NAMES.split("|") if n.strip()]

VILLAGE_WORDS = ["Thôn", "Bon", "Buôn", "Tổ dân phố"]
