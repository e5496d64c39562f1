"""Banks that receive VietQR transfers: the NAPAS BIN (tag 38.01.00 of the payload) and the
name people know. The demo data and the bank-account page pick from this list."""

BANKS: list[tuple[str, str]] = [
    ("970436", "Vietcombank"),
    ("970405", "Agribank"),
    ("970418", "BIDV"),
    ("970415", "VietinBank"),
    ("970407", "Techcombank"),
    ("970422", "MB Bank"),
    ("970416", "ACB"),
    ("970432", "VPBank"),
    ("970423", "TPBank"),
    ("970403", "Sacombank"),
    ("970437", "HDBank"),
    ("970441", "VIB"),
    ("970443", "SHB"),
    ("970431", "Eximbank"),
    ("970426", "MSB"),
    ("970448", "OCB"),
    ("970440", "SeABank"),
    ("970449", "LPBank"),
    ("970425", "ABBANK"),
    ("970409", "Bac A Bank"),
    ("970428", "Nam A Bank"),
    ("970412", "PVcomBank"),
    ("970419", "NCB"),
    ("970454", "Bản Việt"),
    ("970452", "KienlongBank"),
    ("970400", "Saigonbank"),
    ("999888", "Ngân hàng Chính sách xã hội"),
]

NAMES = dict(BANKS)


def bank_name(bank_bin: str) -> str | None:
    return NAMES.get(bank_bin)
