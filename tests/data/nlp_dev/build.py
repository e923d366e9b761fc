"""Build the NLP development set: enterprises.csv (fixture) and dev.jsonl (gold) from dev_src.txt.

Run `python tests/data/nlp_dev/build.py` after editing the sources. USCCs are derived from a
fixed key per enterprise, so their check characters are right and re-runs give the same file.
dev_src.txt has one complaint per line: `id<TAB>category<TAB>received_at<TAB>marked text`,
where the marks are
  {E:key|as written}        a registered enterprise (key from ENTERPRISES)
  {U|as written}            a business not in the registry (unresolved, uscc null)
  {R:code|as written}       a place, with its most specific region code
  {L:title:article|as written}  a law citation (title is the official title; article may be "")
  {I:key|as written}        a credit code that fails its check, meant for enterprise `key`
                            ("-" when nothing suggests one); it is also that enterprise's mention
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

HERE = Path(__file__).parent
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# key: (name, former names "|", entity type 1 company / 2 individual, region, industry, status)
ENTERPRISES: dict[str, tuple[str, str, str, str, str, str]] = {
    "LWHG_CD": ("成都市武侯区老王火锅店", "", "2", "510107", "6210", "存续"),
    "LWHG_CQ": ("重庆市渝中区老王火锅店", "", "2", "500103", "6210", "存续"),
    "SX_CD": ("成都蜀香餐饮管理有限公司", "成都蜀香小吃有限公司", "1", "510104", "6210", "存续"),
    "SX_CQ": ("重庆蜀香食品有限公司", "", "1", "500107", "1439", "存续"),
    "JJL_CD": ("成都市金牛区佳佳乐超市", "", "2", "510106", "5212", "存续"),
    "JJL_CQ": ("重庆市沙坪坝区佳佳乐超市", "", "2", "500106", "5212", "存续"),
    "KN_SC": ("四川康宁大药房连锁有限公司", "", "1", "510108", "5251", "存续"),
    "KN_CQ": ("重庆康宁大药房有限公司", "", "1", "500108", "5251", "存续"),
    "MLRS_YM": ("成都美丽人生医疗美容门诊部有限公司", "", "1", "510107", "8415", "存续"),
    "MLRS_MF": ("重庆市渝北区美丽人生美容美发店", "", "2", "500112", "8040", "存续"),
    "YXT": ("四川优学堂教育科技有限公司", "成都优学堂培训学校有限公司", "1", "510105", "8399",
            "存续"),
    "HYL_OLD": ("成都市青羊区好运来酒楼", "", "2", "510105", "6210", "吊销"),
    "HYL_NEW": ("成都好运来餐饮有限公司", "", "1", "510105", "6210", "存续"),
    "XK_GYM": ("成都星空健身服务有限公司", "", "1", "510116", "8930", "存续"),
    "QC_TRAVEL": ("四川青城国际旅行社有限公司", "", "1", "510104", "7291", "存续"),
    "SS_TRAVEL": ("重庆山水之旅国际旅行社有限公司", "", "1", "500103", "7291", "存续"),
    "SA_GAS": ("成都顺安液化气有限公司", "", "1", "510114", "4512", "存续"),
    "YN_GAS": ("重庆渝能天然气有限公司", "", "1", "500112", "4511", "存续"),
    "JC_WY": ("成都锦城物业管理有限公司", "", "1", "510104", "7020", "存续"),
    "FS_NZ": ("绵阳市丰收农资有限公司", "", "1", "510703", "5166", "存续"),
    "HN_NZ": ("南充市顺庆区惠农农资经营部", "", "2", "511302", "5167", "存续"),
    "ZL_TX": ("成都智联通讯器材有限公司", "", "1", "510106", "5274", "存续"),
    "MJ_DQ": ("重庆美家电器有限公司", "", "1", "500105", "5272", "存续"),
    "HY_HZP": ("成都花颜化妆品有限公司", "", "1", "510108", "5234", "存续"),
    "HY_MZ": ("重庆市九龙坡区花颜美妆店", "", "2", "500107", "5234", "存续"),
    "RH_YL": ("四川仁和医疗器械有限公司", "", "1", "510106", "5254", "存续"),
    "TD_SY": ("重庆通达石油有限公司", "", "1", "500113", "5265", "存续"),
    "XX_SG": ("自贡市自流井区鑫鑫水果店", "", "2", "510302", "5223", "存续"),
    "YPH_DS": ("成都优品汇电子商务有限公司", "", "1", "510117", "5292", "存续"),
    "DD_YX": ("重庆点点优选网络科技有限公司", "", "1", "500112", "6432", "存续"),
    "TM_GG": ("成都天美广告传媒有限公司", "", "1", "510108", "7259", "存续"),
    "CSY_SW": ("四川长寿源生物科技有限公司", "", "1", "511102", "5225", "存续"),
    "MP_XY": ("宜宾市翠屏区名品鞋业店", "", "2", "511502", "5232", "存续"),
    "SD_QC": ("德阳市旌阳区顺达汽车销售有限公司", "", "1", "510603", "5261", "存续"),
    "CXY_CL": ("眉山市东坡区茶香源茶楼", "", "2", "511402", "6299", "存续"),
    "TX_HB": ("重庆市南岸区甜心烘焙坊", "", "2", "500108", "6299", "存续"),
    "ZX_JH": ("泸州市江阳区醉香酒行", "", "2", "510502", "5226", "存续"),
    "QH_YS": ("重庆启航文化艺术培训有限公司", "", "1", "500106", "8393", "存续"),
    "SY_XY": ("成都市龙泉驿区水韵洗浴中心", "", "2", "510112", "8051", "存续"),
    "JC_KY": ("重庆市万州区江城烤鱼店", "", "2", "500101", "6210", "存续"),
    "CB_LF": ("南充市顺庆区川北凉粉店", "", "2", "511302", "6291", "存续"),
    "XM_JS": ("重庆小明健身有限公司", "", "1", "500105", "8930", "注销"),
}
MARK = re.compile(r"\{([EURLI])(?::([^|}]*))?\|([^}]*)\}")
# Inside a surface, @code(KEY) writes the key's USCC; @spaced, @wide (full-width), @lower and
# @typoN (character N replaced, so the check fails) write it the ways people mistype it.
CODE = re.compile(r"@(code|spaced|wide|lower|typo\d+|swap\d+)\((\w+)\)")


def written(m: re.Match[str]) -> str:
    """A fixture USCC as a complainant wrote it."""
    style, code = m.group(1), uscc_of(m.group(2))
    if style == "spaced":
        return " ".join(code[i:i + 4] for i in range(0, 18, 4))
    if style == "wide":
        return "".join(chr(ord(c) + 0xFEE0) for c in code)
    if style == "lower":
        return code.lower()
    if style.startswith("typo"):
        i = int(style[4:])
        new = str((int(code[i]) + 3) % 10) if code[i].isdigit() else "K" if code[i] != "K" else "M"
        return code[:i] + new + code[i + 1:]
    if style.startswith("swap"):
        i = int(style[4:])
        return code[:i] + code[i + 1] + code[i] + code[i + 2:]
    return code


def uscc_of(key: str) -> str:
    """A valid USCC for a fixture key: 9, entity type, region, 9 characters from a hash."""
    _, _, kind, region, _, _ = ENTERPRISES[key]
    digest = hashlib.sha256(key.encode()).digest()
    body = f"9{kind}{region}" + "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:9])
    return body + stdnum_uscc.calc_check_digit(body)


def write_enterprises(path: Path) -> None:
    """The registry fixture in the ingest format."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["uscc", "name", "former_names", "legal_rep", "reg_region_code", "address",
                    "industry_code", "phone", "established", "status", "credit_class"])
        for n, (key, (name, former, _, region, industry, status)) in enumerate(
                ENTERPRISES.items(), 1):
            w.writerow([uscc_of(key), name, former, f"P{n:06d}", region, "", industry,
                        f"028-8{n:07d}" if region.startswith("51") else f"023-6{n:07d}",
                        f"20{10 + n % 14:02d}-0{1 + n % 9}-1{n % 10}", status, "B"])


def parse(marked: str) -> dict[str, Any]:
    """Plain text and gold spans of one marked complaint."""
    out: dict[str, list[dict[str, object]]] = {
        "enterprises": [], "regions": [], "laws": [], "invalid_codes": []}
    text, pos = "", 0
    for m in MARK.finditer(marked):
        text += marked[pos:m.start()]
        kind, arg, surface = m.group(1), m.group(2) or "", CODE.sub(written, m.group(3))
        span = {"start": len(text), "end": len(text) + len(surface)}
        text += surface
        pos = m.end()
        if kind == "E":
            out["enterprises"].append({"uscc": uscc_of(arg), "name": surface, **span})
        elif kind == "U":
            out["enterprises"].append({"uscc": None, "name": surface, **span})
        elif kind == "R":
            out["regions"].append({"code": arg, "name": surface, **span})
        elif kind == "L":
            title, _, article = arg.rpartition(":")
            out["laws"].append({"law": title, "article": int(article) if article else None,
                                **span})
        else:
            suggested = None if arg == "-" else uscc_of(arg)
            out["invalid_codes"].append({"code": surface, **span, "suggested_uscc": suggested})
            if suggested:
                out["enterprises"].append({"uscc": suggested, "name": surface, **span})
    text += marked[pos:]
    return {"text": text, **out}


def main() -> int:
    """Write both files; fail on a malformed line or a code whose validity is not as marked."""
    write_enterprises(HERE / "enterprises.csv")
    lines = []
    src = (HERE / "dev_src.txt").read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(src, 1):
        if not line.strip() or line.startswith("#"):
            continue
        doc_id, category, received_at, marked = line.split("\t")
        if "{" in MARK.sub("", marked) or "}" in MARK.sub("", marked):
            raise SystemExit(f"dev_src.txt:{n}: unbalanced mark")
        gold = parse(marked)
        for code in gold["invalid_codes"]:
            if stdnum_uscc.is_valid("".join(unicodedata.normalize("NFKC", code["code"]).split())
                                    .upper()):
                raise SystemExit(f"dev_src.txt:{n}: {code['code']} is valid, not invalid")
        record = {"id": doc_id, **gold, "category": category}
        if received_at:
            record["received_at"] = received_at
        lines.append(json.dumps(record, ensure_ascii=False))
    (HERE / "dev.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} complaints, {len(ENTERPRISES)} enterprises")
    return 0


if __name__ == "__main__":
    sys.exit(main())
